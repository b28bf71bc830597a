/* shim.h: the fuzzing shim's own entry point (see shim.c). */
#ifndef HS_FUZZ_SHIM_H
#define HS_FUZZ_SHIM_H

extern void hs_shim_reset(void);

#endif

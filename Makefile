# hubspot_fdw: a PGXS build.
#
#   make [PG_CONFIG=/path/to/pg_config] && make install
#   make installcheck      (a running server set up as README.md says, with
#                           the emulator's variables: bash test/with_emulator.sh make installcheck)
#
# PG_CONFIG chooses the server: the pg_config on the PATH, else Debian's
# PostgreSQL 15.
MODULE_big = hubspot_fdw
OBJS = hubspot_fdw.o src/option.o src/connection.o src/http.o src/json.o \
       src/convert.o src/hsvalue.o src/scan.o src/update.o src/errors.o \
       src/request.o src/ratelimit.o src/stats.o src/commit.o src/associations.o \
       src/import.o src/search.o src/compat.o \
       src/write.o src/insert.o src/delete.o src/batch.o src/xact.o \
       src/quals.o src/assoc_batch.o src/idset.o src/bindjoin.o src/analyze.o src/oauth.o \
       src/apipath.o src/links.o src/link_write.o

EXTENSION = hubspot_fdw
DATA = $(wildcard hubspot_fdw--*.sql)

# The suites of test/schedule, in order (setup first: the others use it).
REGRESS := $(shell sed -n 's/^test: *//p' test/schedule)
REGRESS_OPTS = --encoding=UTF8

PG_CONFIG ?= $(shell command -v pg_config 2>/dev/null || echo /usr/lib/postgresql/15/bin/pg_config)

# -MMD -MP: every object depends on every header it includes (src/*.d).
PG_CPPFLAGS = -I$(srcdir)/src -MMD -MP $(shell pkg-config --cflags json-c libcurl)
SHLIB_LINK = $(shell pkg-config --libs json-c libcurl)
# Warnings are errors in CI (WERROR=1), and for anyone who asks for it.
ifeq ($(WERROR),1)
PG_CFLAGS = -Werror
endif
EXTRA_CLEAN = $(OBJS:.o=.d) .pg_build_stamp

override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

-include $(OBJS:.o=.d)

# Objects built against one server are rebuilt for another: they depend on
# a stamp that changes when PG_CONFIG names another installation.
HS_BUILD_FOR := $(PG_CONFIG) $(shell $(PG_CONFIG) --version)
.pg_build_stamp: .FORCE
	@if [ "$$(cat $@ 2>/dev/null)" != "$(HS_BUILD_FOR)" ]; then echo "$(HS_BUILD_FOR)" > $@; fi
.PHONY: .FORCE
$(OBJS): .pg_build_stamp

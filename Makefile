# hubspot_fdw: PGXS build. Use Debian's PostgreSQL 15 pg_config unless told otherwise.
MODULE_big = hubspot_fdw
OBJS = hubspot_fdw.o src/option.o src/connection.o src/http.o src/json.o \
       src/convert.o src/hsvalue.o src/scan.o src/modify.o src/errors.o \
       src/request.o src/ratelimit.o src/stats.o src/commit.o src/associations.o \
       src/import.o src/search.o \
       src/insert.o src/delete.o src/batch.o

EXTENSION = hubspot_fdw
DATA = hubspot_fdw--1.0.sql

PG_CONFIG ?= /usr/lib/postgresql/15/bin/pg_config

PG_CPPFLAGS = -I$(srcdir)/src $(shell pkg-config --cflags json-c libcurl)
SHLIB_LINK = $(shell pkg-config --libs json-c libcurl)
# Warnings are errors in CI (WERROR=1), and for anyone who asks for it.
ifeq ($(WERROR),1)
PG_CFLAGS = -Werror
endif

override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS tracks no header dependencies: every object depends on the one header.
$(OBJS): src/hubspot_fdw.h

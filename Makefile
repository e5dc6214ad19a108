# OmenDB: PGXS build of the extension, plus core-only targets (unit tests, benchmarks) that need
# no PostgreSQL server.  See README.md for the test command that drives all of it.

EXTENSION  = omendb
EXTVERSION = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" omendb.control)

MODULE_big = omendb
CORE_SRCS  = $(sort $(wildcard src/core/*.cpp))
PG_SRCS    = $(sort $(wildcard src/pg/*.c))
OBJS       = $(PG_SRCS:.c=.o) $(CORE_SRCS:.cpp=.o)

# The install script of the current version is assembled from per-area fragments, type first.
# Released versions are frozen files (sql/omendb--X.sql and sql/omendb--A--B.sql, never edited
# again).  0.1.0 was the type alone, 0.2.0 added the omenhnsw access method, 0.3.0 sql/compat.sql
# (bit-string distances, ||); 0.4.0 (current) adds halfvec, sparsevec and pgvector's access method
# names (sql/halfvec.sql, sql/sparsevec.sql, sql/hnsw.sql), so its upgrade script is generated from
# those fragments until it is released; sql/info.sql (omenhnsw_partition_info) and
# sql/omenhnsw_tools.sql (omenhnsw_verify, omenhnsw_recall) and sql/hybrid.sql (omen_hybrid_search,
# omen_hybrid_search_typed) are new in 0.4.0 too.  To release: copy
# the two generated files into DATA.
SQL_PARTS  = sql/vector.sql sql/omenhnsw.sql sql/compat.sql sql/halfvec.sql sql/sparsevec.sql sql/hnsw.sql \
             sql/info.sql sql/omenhnsw_tools.sql sql/filter.sql sql/hybrid.sql
NEW_PARTS  = sql/halfvec.sql sql/sparsevec.sql sql/hnsw.sql sql/info.sql sql/omenhnsw_tools.sql \
             sql/filter.sql sql/hybrid.sql
DATA_built = sql/omendb--$(EXTVERSION).sql sql/omendb--0.3.0--0.4.0.sql
DATA       = sql/omendb--0.1.0.sql sql/omendb--0.2.0.sql sql/omendb--0.1.0--0.2.0.sql \
             sql/omendb--0.3.0.sql sql/omendb--0.2.0--0.3.0.sql

# pg_regress: tests are test/sql/*.sql, expected output is expected/*.out (test/expected is a
# symlink to it, since PostgreSQL 15's pg_regress has no --expecteddir).
REGRESS      = $(sort $(basename $(notdir $(wildcard test/sql/*.sql))))
REGRESS_OPTS = --inputdir=test --load-extension=$(EXTENSION)

PG_CPPFLAGS = -I$(CURDIR)/include -I$(CURDIR)/src
PG_CFLAGS   = -Wno-declaration-after-statement
PG_CXXFLAGS = -std=c++17 -fvisibility=hidden -fno-math-errno -Wall -Wextra -Wno-unused-parameter
SHLIB_LINK += -lstdc++ -lpthread

# No LLVM bitcode for the C++ core (PGXS would try to compile it with clang and C flags).
override with_llvm = no

# Per-ISA flags: only the kernel translation units are built for AVX2 / AVX-512; the rest of the
# code runs on any x86-64 and dispatches at run time.  No -march=native.
ISA_kernels_avx2   = -mavx2 -mfma -mpopcnt
ISA_kernels_avx512 = -mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx512vpopcntdq -mfma -mavx2 -mpopcnt
ISA_half_f16c      = -mf16c -mavx

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS knows no header dependencies: rebuild on any header change rather than link stale objects.
$(CORE_SRCS:.cpp=.o): $(wildcard src/core/*.hpp src/core/*.inl include/omendb/*.h)
$(PG_SRCS:.c=.o): $(wildcard src/pg/*.h include/omendb/*.h)

src/core/kernels_avx2.o: override CXXFLAGS += $(ISA_kernels_avx2)
src/core/kernels_avx512.o: override CXXFLAGS += $(ISA_kernels_avx512)
src/core/half_f16c.o: override CXXFLAGS += $(ISA_half_f16c)

sql/omendb--$(EXTVERSION).sql: $(SQL_PARTS) omendb.control
	cat $(SQL_PARTS) > $@

sql/omendb--0.3.0--0.4.0.sql: $(NEW_PARTS)
	{ printf '%s\n' '\echo Use "ALTER EXTENSION omendb UPDATE TO '"'"'0.4.0'"'"'" to load this file. \quit'; \
	  for f in $(NEW_PARTS); do grep -v '^\\echo' $$f; done; } > $@

# ---------------------------------------------------------------------------------------------
# Core-only targets (no PostgreSQL): GoogleTest unit tests and Google Benchmark programs.
#   make unit              build and run test/unit/*.cpp against src/core
#   make unit SAN=address  the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make unit SAN=thread   the same under ThreadSanitizer
#   make bench-programs    build bench/*.cpp programs into build/bench
# ---------------------------------------------------------------------------------------------
UNIT_CXX      ?= g++
UNIT_CXXFLAGS  = -std=c++17 -O2 -g -Wall -Wextra -Wno-unused-parameter -fno-math-errno \
                 -Iinclude -Isrc -pthread
ifeq ($(SAN),address)
UNIT_DIR       = build/unit-asan
UNIT_CXXFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else ifeq ($(SAN),thread)
UNIT_DIR       = build/unit-tsan
UNIT_CXXFLAGS += -O1 -fsanitize=thread
else
UNIT_DIR       = build/unit
endif
UNIT_SRCS      = $(sort $(wildcard test/unit/*.cpp))
UNIT_CORE_OBJS = $(patsubst src/core/%.cpp,$(UNIT_DIR)/core/%.o,$(CORE_SRCS))
UNIT_TEST_OBJS = $(patsubst test/unit/%.cpp,$(UNIT_DIR)/test/%.o,$(UNIT_SRCS))

$(UNIT_DIR)/core/%.o: src/core/%.cpp $(wildcard src/core/*.hpp src/core/*.inl include/omendb/*.h)
	@mkdir -p $(dir $@)
	$(UNIT_CXX) $(UNIT_CXXFLAGS) $(ISA_$*) -c $< -o $@

$(UNIT_DIR)/test/%.o: test/unit/%.cpp $(wildcard src/core/*.hpp test/unit/*.hpp include/omendb/*.h)
	@mkdir -p $(dir $@)
	$(UNIT_CXX) $(UNIT_CXXFLAGS) -c $< -o $@

# The AVX-512 kernels once more without AVX-512 flags: SIMDe emulates them (see kernels_avx512.cpp).
$(UNIT_DIR)/core/kernels_avx512_emulated.o: src/core/kernels_avx512.cpp src/core/kernels.hpp
	@mkdir -p $(dir $@)
	$(UNIT_CXX) $(UNIT_CXXFLAGS) -DOMEN_AVX512_EMULATED -c $< -o $@

$(UNIT_DIR)/unit_tests: $(UNIT_CORE_OBJS) $(UNIT_DIR)/core/kernels_avx512_emulated.o $(UNIT_TEST_OBJS)
	$(UNIT_CXX) $(UNIT_CXXFLAGS) $^ -o $@ -lgtest -lgtest_main

.PHONY: unit bench-programs
unit: $(UNIT_DIR)/unit_tests
	$(UNIT_DIR)/unit_tests $(GTEST_ARGS)

BENCH_DIR       = build/bench
BENCH_CXXFLAGS  = -std=c++17 -O3 -g -DNDEBUG -fno-math-errno -Iinclude -Isrc -pthread
BENCH_CORE_OBJS = $(patsubst src/core/%.cpp,$(BENCH_DIR)/core/%.o,$(CORE_SRCS))
BENCH_PROGRAMS  = $(patsubst bench/%.cpp,$(BENCH_DIR)/%,$(sort $(wildcard bench/*.cpp)))

$(BENCH_DIR)/core/%.o: src/core/%.cpp $(wildcard src/core/*.hpp src/core/*.inl include/omendb/*.h)
	@mkdir -p $(dir $@)
	$(UNIT_CXX) $(BENCH_CXXFLAGS) $(ISA_$*) -c $< -o $@

$(BENCH_DIR)/%: bench/%.cpp $(BENCH_CORE_OBJS)
	@mkdir -p $(dir $@)
	$(UNIT_CXX) $(BENCH_CXXFLAGS) $< $(BENCH_CORE_OBJS) -o $@ -lbenchmark -lpthread

bench-programs: $(BENCH_PROGRAMS)

clean: clean-core
clean-core:
	rm -rf build

// capi.cpp: implements omen_core.h (everything but the kernel entry points, which live in
// capi_kernels.cpp).  No function lets an exception escape (the header is C, so the noexcept is a
// contract, not a specifier): allocation failures become OMEN_ERR_OOM, anything else OMEN_ERR_INTERNAL.
// Includes no PostgreSQL headers.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/builder.hpp"
#include "core/index.hpp"
#include "omendb/omen_core.h"

using omendb::core::Builder;
using omendb::core::Index;
using omendb::core::kOffCorr;
using omendb::core::Quantizer;

static_assert(kOffCorr == OMEN_RECORD_CODE_OFFSET, "omen_core.h states where a record's code starts");
using omendb::core::Plan;
using omendb::core::Scan;

struct omen_builder {
    Builder b;
    omen_builder(const omen_params_t& p, size_t budget) : b(p, budget) {}
};

struct omen_index {
    Index ix;
    explicit omen_index(const omen_params_t& p) : ix(p) {}
};

struct omen_scan {
    Scan s;
    omen_scan(const Index& ix, const omen_storage_t* st, uint32_t entry, uint32_t entry_level, const float* q,
              uint32_t ef)
        : s(ix, st, entry, entry_level, q, ef) {}
};

#define OMEN_CATCH                                  \
    catch (const std::bad_alloc&) {                 \
        return OMEN_ERR_OOM;                        \
    }                                               \
    catch (...) {                                   \
        return OMEN_ERR_INTERNAL;                   \
    }

namespace {

omen_status_t to_plan(const Plan& p, omen_insert_plan_t** out) {
    omen_insert_plan_t* plan = static_cast<omen_insert_plan_t*>(std::calloc(1, sizeof(omen_insert_plan_t)));
    if (!plan) return OMEN_ERR_OOM;
    if (p.has_record) {
        plan->record = static_cast<uint8_t*>(std::malloc(p.record.size()));
        if (!plan->record) {
            omen_insert_plan_free(plan);
            return OMEN_ERR_OOM;
        }
        std::memcpy(plan->record, p.record.data(), p.record.size());
        plan->record_len = static_cast<uint32_t>(p.record.size());
    }
    if (!p.edits.empty()) {
        plan->edits = static_cast<omen_edit_t*>(std::calloc(p.edits.size(), sizeof(omen_edit_t)));
        if (!plan->edits) {
            omen_insert_plan_free(plan);
            return OMEN_ERR_OOM;
        }
        for (const auto& e : p.edits) {
            omen_edit_t& ed = plan->edits[plan->n_edits];
            plan->n_edits++;
            ed.record = static_cast<uint8_t*>(std::malloc(e.image.size()));
            ed.base = static_cast<uint8_t*>(std::malloc(e.base.size()));
            if (!ed.record || !ed.base || e.base.size() != e.image.size()) {
                omen_insert_plan_free(plan);
                return ed.record && ed.base ? OMEN_ERR_INTERNAL : OMEN_ERR_OOM;
            }
            std::memcpy(ed.record, e.image.data(), e.image.size());
            std::memcpy(ed.base, e.base.data(), e.base.size());
            ed.id = e.id;
            ed.len = static_cast<uint32_t>(e.image.size());
            ed.levels = e.levels;
            ed.link_id = e.link;
        }
    }
    plan->new_entry = p.new_entry ? 1 : 0;
    plan->unreachable = p.unreachable;
    plan->linked = p.linked;
    plan->inlinks = p.inlinks;
    plan->relinked = p.relinked;
    *out = plan;
    return OMEN_OK;
}

}  // namespace

extern "C" {

const char* omen_status_message(omen_status_t status) {
    switch (status) {
        case OMEN_OK: return "success";
        case OMEN_ERR_OOM: return "out of memory";
        case OMEN_ERR_INVALID: return "invalid argument or corrupt record";
        case OMEN_ERR_BUDGET: return "memory budget exceeded";
        case OMEN_ERR_STORAGE: return "storage callback failed";
        case OMEN_ERR_INTERNAL: return "internal error";
    }
    return "unknown status";
}

omen_status_t omen_params_check(const omen_params_t* params) {
    if (!params) return OMEN_ERR_INVALID;
    return omendb::core::params_valid(*params) ? OMEN_OK : OMEN_ERR_INVALID;
}

uint64_t omen_record_payload(const uint8_t* record) { return omendb::core::rec_payload(record); }
int omen_record_is_deleted(const uint8_t* record) { return omendb::core::rec_deleted(record) ? 1 : 0; }
void omen_record_set_deleted(uint8_t* record) { record[omendb::core::kOffFlags] |= omendb::core::kFlagDeleted; }
void omen_record_set_rejected(uint8_t* record) { record[omendb::core::kOffFlags] |= omendb::core::kFlagRejected; }
uint32_t omen_record_level(const uint8_t* record) { return omendb::core::rec_level(record); }
int omen_record_same(const uint8_t* a, const uint8_t* b, uint32_t len) {
    using omendb::core::kOffFlags;
    if (len <= kOffFlags) return std::memcmp(a, b, len) == 0;
    return std::memcmp(a, b, kOffFlags) == 0 &&
           ((a[kOffFlags] ^ b[kOffFlags]) & ~omendb::core::kFlagDeleted) == 0 &&
           std::memcmp(a + kOffFlags + 1, b + kOffFlags + 1, len - kOffFlags - 1) == 0;
}

// ---- builder ----

omen_status_t omen_builder_create(const omen_params_t* params, size_t budget_bytes, omen_builder_t** out) {
    try {
        if (!out) return OMEN_ERR_INVALID;
        *out = nullptr;
        if (omen_params_check(params) != OMEN_OK) return OMEN_ERR_INVALID;
        *out = new omen_builder(*params, budget_bytes);
        return OMEN_OK;
    }
    OMEN_CATCH
}

void omen_builder_free(omen_builder_t* builder) { delete builder; }

omen_status_t omen_builder_set_quantized_construction(omen_builder_t* builder, int on) {
    try {
        if (!builder || builder->b.count() != 0) return OMEN_ERR_INVALID;
        builder->b.set_quantized_construction(on != 0);
        return OMEN_OK;
    }
    OMEN_CATCH
}

omen_status_t omen_builder_set_auto_ef_construction(omen_builder_t* builder, int on) {
    try {
        if (!builder || builder->b.count() != 0) return OMEN_ERR_INVALID;
        builder->b.set_auto_ef_construction(on != 0);
        return OMEN_OK;
    }
    OMEN_CATCH
}

uint32_t omen_builder_ef_construction(const omen_builder_t* builder) {
    return builder ? builder->b.params().ef_construction : 0;
}

size_t omen_builder_bytes_per_vector(const omen_params_t* params) {
    if (!params || !omendb::core::params_valid(*params)) return 0;
    return Builder::bytes_per_vector(*params);
}

omen_status_t omen_builder_add(omen_builder_t* builder, const float* vec, uint64_t payload) {
    try {
        if (!builder || !vec) return OMEN_ERR_INVALID;
        return builder->b.add(vec, payload);
    }
    OMEN_CATCH
}

uint32_t omen_builder_count(const omen_builder_t* builder) { return builder ? builder->b.count() : 0; }

omen_status_t omen_builder_build_step(omen_builder_t* builder, uint32_t nthreads, uint32_t max_nodes,
                                      uint32_t* done) {
    try {
        if (!builder || !done) return OMEN_ERR_INVALID;
        return builder->b.build_step(nthreads, max_nodes, done);
    }
    OMEN_CATCH
}

uint32_t omen_builder_record_size(const omen_builder_t* builder, uint32_t i) {
    if (!builder || i >= builder->b.count()) return 0;
    return builder->b.record_size(i);
}

void omen_builder_entry(const omen_builder_t* builder, uint32_t* entry, uint32_t* level) {
    uint32_t e = builder ? builder->b.entry() : OMEN_INVALID_ID;
    if (entry) *entry = e;
    if (level) *level = e == OMEN_INVALID_ID ? 0 : builder->b.entry_level();
}

omen_status_t omen_builder_record(const omen_builder_t* builder, uint32_t i, const uint32_t* ids,
                                  uint8_t* out) {
    try {
        if (!builder || !ids || !out || i >= builder->b.count()) return OMEN_ERR_INVALID;
        builder->b.record(i, ids, out);
        return OMEN_OK;
    }
    OMEN_CATCH
}

omen_status_t omen_builder_layout_order(const omen_builder_t* builder, uint32_t group, uint32_t* order) {
    try {
        if (!builder || !order || group == 0 || builder->b.done() != builder->b.count()) return OMEN_ERR_INVALID;
        builder->b.layout_order(group, order);
        return OMEN_OK;
    }
    OMEN_CATCH
}

size_t omen_builder_quantizer_size(const omen_builder_t* builder) {
    return builder ? builder->b.quantizer().serialized_size() : 0;
}

void omen_builder_quantizer(const omen_builder_t* builder, uint8_t* out) {
    if (builder && out) builder->b.quantizer().serialize(out);
}

// ---- index ----

omen_status_t omen_index_open(const omen_params_t* params, const uint8_t* quantizer, size_t quantizer_len,
                              omen_index_t** out) {
    try {
        if (!out) return OMEN_ERR_INVALID;
        *out = nullptr;
        if (omen_params_check(params) != OMEN_OK) return OMEN_ERR_INVALID;
        omendb::core::kernels();
        omen_index* ix = new omen_index(*params);
        if (params->quant != OMEN_QUANT_NONE && !ix->ix.qz.deserialize(quantizer, quantizer_len)) {
            delete ix;
            return OMEN_ERR_INVALID;
        }
        *out = ix;
        return OMEN_OK;
    }
    OMEN_CATCH
}

void omen_index_free(omen_index_t* index) { delete index; }

uint32_t omen_index_record_size(const omen_index_t* index, uint32_t level) {
    if (!index) return 0;
    const auto& lay = index->ix.layout();
    if (level > lay.max_level) level = lay.max_level;
    return lay.record_size(level);
}

uint32_t omen_index_prefix_size(const omen_index_t* index) { return index ? index->ix.layout().prefix : 0; }

uint32_t omen_index_max_level(const omen_index_t* index) { return index ? index->ix.layout().max_level : 0; }

uint32_t omen_index_list_offset(const omen_index_t* index, uint32_t level) {
    if (!index || level > index->ix.layout().max_level) return 0;
    return index->ix.layout().list_offset(level);
}

uint32_t omen_index_list_slots(const omen_index_t* index, uint32_t level) {
    if (!index || level > index->ix.layout().max_level) return 0;
    return index->ix.layout().slots(level);
}

uint32_t omen_index_random_level(const omen_index_t* index, double u) {
    if (!index) return 0;
    return omendb::core::random_level(u, index->ix.params.m, index->ix.layout().max_level);
}

double omen_index_distance(const omen_index_t* index, const float* a, const float* b) {
    if (!index || !a || !b) return 0.0;
    return index->ix.sql_distance(a, b);
}

int omen_index_exact_candidates(const omen_index_t* index) { return index && index->ix.exact_candidates() ? 1 : 0; }

size_t omen_index_quantizer_size(const omen_index_t* index) { return index ? index->ix.qz.serialized_size() : 0; }

namespace {
// v as the quantizer codes it (normalised for cosine) into p; false if a value is not finite.
bool prepared(const Quantizer& qz, const float* v, std::vector<float>& p) {
    p.resize(qz.dim);
    qz.prepare(v, p.data());
    return std::all_of(p.begin(), p.end(), [](float x) { return std::isfinite(x); });
}
}  // namespace

omen_status_t omen_index_mean_add(const omen_index_t* index, const float* v, double* sums) {
    try {
        if (!index || !v || !sums) return OMEN_ERR_INVALID;
        std::vector<float> p;
        if (!prepared(index->ix.qz, v, p)) return OMEN_ERR_INVALID;
        for (size_t j = 0; j < p.size(); j++) sums[j] += p[j];
        return OMEN_OK;
    }
    OMEN_CATCH
}

omen_status_t omen_index_retrain(const omen_index_t* index, const double* sums, uint64_t n, uint8_t* out) {
    try {
        if (!index || !sums || !out || n == 0 || !index->ix.qz.quantized()) return OMEN_ERR_INVALID;
        Quantizer qz = index->ix.qz;  // same dimensions, metric and rotation; a new mean
        qz.set_mean(std::vector<double>(sums, sums + qz.dim), static_cast<size_t>(n));
        qz.serialize(out);
        return OMEN_OK;
    }
    OMEN_CATCH
}

omen_status_t omen_index_encode(const omen_index_t* index, const float* v, uint8_t* record) {
    try {
        if (!index || !v || !record) return OMEN_ERR_INVALID;
        const Quantizer& qz = index->ix.qz;
        std::vector<float> p;
        if (!prepared(qz, v, p)) return OMEN_ERR_INVALID;
        std::vector<uint8_t> pre(qz.layout.prefix, 0);
        qz.encode(p.data(), pre.data());
        std::memcpy(record + kOffCorr, pre.data() + kOffCorr, qz.layout.prefix - kOffCorr);
        return OMEN_OK;
    }
    OMEN_CATCH
}

// ---- scan ----

omen_status_t omen_scan_begin(const omen_index_t* index, const omen_storage_t* storage, uint32_t entry,
                              uint32_t entry_level, const float* query, uint32_t ef_search,
                              omen_scan_t** out) {
    try {
        if (!out) return OMEN_ERR_INVALID;
        *out = nullptr;
        if (!index || !storage || !storage->read) return OMEN_ERR_INVALID;
        *out = new omen_scan(index->ix, storage, entry, entry_level, query, ef_search);
        return OMEN_OK;
    }
    OMEN_CATCH
}

omen_status_t omen_scan_next(omen_scan_t* scan, omen_candidate_t* out, uint32_t max, uint32_t* n) {
    try {
        if (!n) return OMEN_ERR_INVALID;
        *n = 0;
        if (!scan || (!out && max > 0)) return OMEN_ERR_INVALID;
        if (!scan->s.next(out, max, n)) return scan->s.corrupt ? OMEN_ERR_INVALID : OMEN_ERR_STORAGE;
        return OMEN_OK;
    }
    OMEN_CATCH
}

void omen_scan_set_bound_sigmas(omen_scan_t* scan, float sigmas) {
    if (scan) scan->s.set_bound_sigmas(sigmas);
}

double omen_scan_floor(const omen_scan_t* scan) { return scan ? scan->s.floor() : 0.0; }
double omen_scan_list_lower(const omen_scan_t* scan) { return scan ? scan->s.list_lower() : 0.0; }

void omen_scan_set_expansion_budget(omen_scan_t* scan, uint32_t expansions) {
    if (scan) scan->s.set_expansion_budget(expansions);
}

int omen_scan_exhausted(const omen_scan_t* scan) { return !scan || scan->s.exhausted() ? 1 : 0; }

uint64_t omen_scan_expansions(const omen_scan_t* scan) { return scan ? scan->s.expansions() : 0; }

omen_status_t omen_scan_restrict(omen_scan_t* scan, const uint32_t* ids, uint32_t n) {
    return omen_scan_restrict_prefixes(scan, ids, nullptr, n);
}

omen_status_t omen_scan_restrict_prefixes(omen_scan_t* scan, const uint32_t* ids, const uint8_t* prefixes,
                                          uint32_t n) {
    try {
        if (!scan || (!ids && n > 0)) return OMEN_ERR_INVALID;
        if (!scan->s.restrict_to(ids, n, prefixes)) return scan->s.corrupt ? OMEN_ERR_INVALID : OMEN_ERR_STORAGE;
        return OMEN_OK;
    }
    OMEN_CATCH
}

size_t omen_scan_memory(const omen_scan_t* scan) { return scan ? sizeof(*scan) + scan->s.memory() : 0; }

void omen_scan_free(omen_scan_t* scan) { delete scan; }

// ---- plans ----

omen_status_t omen_insert_plan(const omen_index_t* index, const omen_storage_t* storage, uint32_t entry,
                               uint32_t entry_level, const float* vec, uint64_t payload, uint32_t new_id,
                               uint32_t new_level, uint64_t nodes, omen_insert_plan_t** out) {
    try {
        if (!out) return OMEN_ERR_INVALID;
        *out = nullptr;
        if (!index || !storage || !storage->read || !vec) return OMEN_ERR_INVALID;
        Plan p;
        omen_status_t st = omendb::core::plan_insert(index->ix, storage, entry, entry_level, vec, payload, new_id,
                                                     new_level, nodes, p);
        if (st != OMEN_OK) return st;
        return to_plan(p, out);
    }
    OMEN_CATCH
}

omen_status_t omen_repair_plan(const omen_index_t* index, const omen_storage_t* storage, uint32_t id,
                               omen_insert_plan_t** out) {
    try {
        if (!out) return OMEN_ERR_INVALID;
        *out = nullptr;
        if (!index || !storage || !storage->read || id == OMEN_INVALID_ID) return OMEN_ERR_INVALID;
        Plan p;
        omen_status_t st = omendb::core::plan_repair(index->ix, storage, id, p);
        if (st != OMEN_OK) return st;
        return to_plan(p, out);
    }
    OMEN_CATCH
}

void omen_insert_plan_bind(const omen_index_t* index, omen_insert_plan_t* plan, uint32_t new_id) {
    if (!index || !plan) return;
    const omendb::core::Layout& lay = index->ix.layout();
    for (uint32_t e = 0; e < plan->n_edits; e++) {
        omen_edit_t& ed = plan->edits[e];
        if (ed.link_id == OMEN_PENDING_ID) ed.link_id = new_id;
        const uint32_t level = omendb::core::rec_level(ed.record);
        for (uint32_t lv = 0; lv <= level && lv <= lay.max_level; lv++) {
            uint8_t* l = ed.record + lay.list_offset(lv);
            for (uint32_t i = 0; i < lay.slots(lv); i++)
                if (omendb::core::load_u32(l + 4 * i) == OMEN_PENDING_ID) omendb::core::store_u32(l + 4 * i, new_id);
        }
    }
}

omen_status_t omen_link_plan(const omen_index_t* index, const omen_storage_t* storage, uint32_t id, uint32_t new_id,
                             uint32_t levels, omen_insert_plan_t** out) {
    try {
        if (!out) return OMEN_ERR_INVALID;
        *out = nullptr;
        if (!index || !storage || !storage->read || id == OMEN_INVALID_ID || new_id == OMEN_INVALID_ID)
            return OMEN_ERR_INVALID;
        Plan p;
        omen_status_t st = omendb::core::plan_link(index->ix, storage, id, new_id, levels, p);
        if (st != OMEN_OK) return st;
        return to_plan(p, out);
    }
    OMEN_CATCH
}

omen_status_t omen_reconnect_plan(const omen_index_t* index, const omen_storage_t* storage, uint32_t entry,
                                  uint32_t entry_level, const uint32_t* live, uint32_t n_live, int top_up,
                                  omen_insert_plan_t** out) {
    try {
        if (!out) return OMEN_ERR_INVALID;
        *out = nullptr;
        if (!index || !storage || !storage->read || (n_live > 0 && !live)) return OMEN_ERR_INVALID;
        Plan p;
        omen_status_t st = omendb::core::plan_reconnect(index->ix, storage, entry, entry_level, live, n_live, top_up != 0, p);
        if (st != OMEN_OK) return st;
        return to_plan(p, out);
    }
    OMEN_CATCH
}

void omen_insert_plan_free(omen_insert_plan_t* plan) {
    if (!plan) return;
    for (uint32_t i = 0; i < plan->n_edits; i++) {
        std::free(plan->edits[i].record);
        std::free(plan->edits[i].base);
    }
    std::free(plan->edits);
    std::free(plan->record);
    std::free(plan);
}

}  // extern "C"

// Maps: Int, Bool and String keys to any value. Enumeration (keys, values,
// each, fold) follows map_key_less: Ints ascending, false, true, Strings by
// bytes.
#include "abi/abi.hpp"
#include "core/value/callable.hpp"
#include "core/value/list.hpp"
#include "core/value/map.hpp"
#include "seq/runtime_data.h"

using namespace seq;

namespace {

MapObj* pop_map(Stack& sp, const char* word) {
    return map_of(pop_kind(sp, Kind::Map, word));
}

StackValue pop_key(Stack& sp, const char* word) {
    StackValue k = *--sp;
    if (!is_valid_map_key(k))
        fatal(word, "key must be Int, String, or Bool, got %s", kind_name(kind_of(k)));
    return k;
}

// ( Map -- List ): one side of every entry, in enumeration order.
template <typename Side>
Stack push_entry_list(Stack sp, const char* word, Side side) {
    MapObj* m = pop_map(sp, word);
    auto entries = map_sorted_entries(m);
    VariantObj* list = new_list(entries.size());
    for (const auto* e : entries)
        list->fields[list->len++] = clone_value(side(*e));
    release(m);
    return push(sp, from_heap(list));
}

}  // namespace

extern "C" {

SEQ_API seq_stack_t patch_seq_make_map(seq_stack_t sp) {
    return push(sp, from_heap(new_map()));
}

SEQ_API seq_stack_t patch_seq_map_get(seq_stack_t sp) {
    StackValue key = *--sp;
    StackValue map = *--sp;
    if (!is_valid_map_key(key) || !is_kind(map, Kind::Map)) {
        // The status flag carries the failure: no map holds such a key.
        drop_value(key);
        drop_value(map);
        return push_with_flag(sp, make_int(0), false);
    }
    MapObj* m = map_of(map);
    auto it = m->table.find(key);
    drop_value(key);
    if (it == m->table.end()) {
        release(m);
        return push_with_flag(sp, make_int(0), false);
    }
    StackValue value;
    if (is_unique(m)) {
        value = it->second;  // the map dies here: move the value out
        it->second = kFalse;
    } else {
        value = clone_value(it->second);
    }
    release(m);
    return push_with_flag(sp, value, true);
}

SEQ_API seq_stack_t patch_seq_map_set(seq_stack_t sp) {
    static constexpr const char* kWord = "map.set";
    StackValue value = *--sp;
    StackValue key = pop_key(sp, kWord);
    MapObj* m = map_make_unique(pop_map(sp, kWord));
    map_put(m, key, value);
    return push(sp, from_heap(m));
}

SEQ_API seq_stack_t patch_seq_map_has(seq_stack_t sp) {
    StackValue key = *--sp;
    MapObj* m = pop_map(sp, "map.has?");
    // A key of another type is simply never present.
    bool has = is_valid_map_key(key) && m->table.count(key) != 0;
    drop_value(key);
    release(m);
    return push(sp, make_bool(has));
}

SEQ_API seq_stack_t patch_seq_map_remove(seq_stack_t sp) {
    static constexpr const char* kWord = "map.remove";
    StackValue key = pop_key(sp, kWord);
    MapObj* m = pop_map(sp, kWord);
    // Copy a shared map only when there is something to remove.
    if (m->table.count(key) != 0) {
        m = map_make_unique(m);
        map_erase(m, key);
    }
    drop_value(key);
    return push(sp, from_heap(m));
}

SEQ_API seq_stack_t patch_seq_map_size(seq_stack_t sp) {
    MapObj* m = pop_map(sp, "map.size");
    auto n = static_cast<int64_t>(m->table.size());
    release(m);
    return push(sp, make_int(n));
}

SEQ_API seq_stack_t patch_seq_map_empty(seq_stack_t sp) {
    MapObj* m = pop_map(sp, "map.empty?");
    bool empty = m->table.empty();
    release(m);
    return push(sp, make_bool(empty));
}

SEQ_API seq_stack_t patch_seq_map_keys(seq_stack_t sp) {
    return push_entry_list(sp, "map.keys", [](const auto& e) { return e.first; });
}

SEQ_API seq_stack_t patch_seq_map_values(seq_stack_t sp) {
    return push_entry_list(sp, "map.values", [](const auto& e) { return e.second; });
}

// As the list words, the callable runs on the caller's stack where the
// inputs were popped; the map is held (and so cannot change) meanwhile.

SEQ_API seq_stack_t patch_seq_map_each(seq_stack_t sp) {
    static constexpr const char* kWord = "map.each";
    StackValue fn = pop_callable(sp, kWord);
    MapObj* m = pop_map(sp, kWord);
    for (const auto* e : map_sorted_entries(m)) {
        Stack top = push(push(sp, clone_value(e->first)), clone_value(e->second));
        call_for_effect(sp, top, fn, kWord);
    }
    release(m);
    drop_value(fn);
    return sp;
}

SEQ_API seq_stack_t patch_seq_map_fold(seq_stack_t sp) {
    static constexpr const char* kWord = "map.fold";
    StackValue fn = pop_callable(sp, kWord);
    StackValue acc = *--sp;
    MapObj* m = pop_map(sp, kWord);
    for (const auto* e : map_sorted_entries(m)) {
        Stack top = push(push(push(sp, acc), clone_value(e->first)), clone_value(e->second));
        acc = call_for_result(sp, top, fn, kWord);
    }
    release(m);
    drop_value(fn);
    return push(sp, acc);
}

}  // extern "C"

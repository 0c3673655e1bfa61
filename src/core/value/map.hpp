// Maps: hash maps from Int, String or Bool keys to any value.
//
// Keys and values are owned references. Maps are immutable values: words
// that "set" or "remove" copy the table unless the caller holds the only
// reference, in which case they update it in place.
#pragma once

#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/value/value.hpp"

namespace seq {

// Keys are StackValues restricted to Int, Bool, String (by content).
struct MapKeyHash {
    size_t operator()(StackValue k) const noexcept;
};
struct MapKeyEq {
    bool operator()(StackValue a, StackValue b) const noexcept;
};
bool is_valid_map_key(StackValue v);

using MapTable = std::unordered_map<StackValue, StackValue, MapKeyHash, MapKeyEq>;

struct MapObj : ManagedObject {
    MapTable table;
};

MapObj* new_map();                   // empty, rc = 1
MapObj* clone_map(const MapObj* m);  // shallow copy, values retained
inline MapObj* map_of(StackValue v) {
    return static_cast<MapObj*>(heap_of(v));
}
// Returns a map the caller may mutate: `m` itself when uniquely owned,
// otherwise a copy (and `m` is released).
MapObj* map_make_unique(MapObj* m);
// Inserts or replaces; takes ownership of key and value.
void map_put(MapObj* m, StackValue key, StackValue value);
// Removes `key` if present (dropping the stored key and value); `key` is
// borrowed. Returns whether an entry was removed.
bool map_erase(MapObj* m, StackValue key);

// The order in which maps are enumerated (map.keys, map.values, map.each,
// map.fold): Ints ascending, then false, true, then Strings by bytes (which
// for UTF-8 is code point order). Hash order would depend on the table's
// history, so two equal maps could enumerate differently.
bool map_key_less(StackValue a, StackValue b);
// The entries of `m` in map_key_less order, borrowed from the table: valid
// until the table is next modified.
std::vector<const MapTable::value_type*> map_sorted_entries(const MapObj* m);

}  // namespace seq

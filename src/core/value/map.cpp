#include "core/value/map.hpp"

#include <algorithm>
#include <functional>
#include <new>

namespace seq {

size_t MapKeyHash::operator()(StackValue k) const noexcept {
    if (is_heap(k)) return std::hash<std::string_view>{}(string_of(k)->view());
    return std::hash<uint64_t>{}(k);
}

bool MapKeyEq::operator()(StackValue a, StackValue b) const noexcept {
    if (a == b) return true;
    if (is_heap(a) && is_heap(b)) return string_of(a)->view() == string_of(b)->view();
    return false;
}

bool is_valid_map_key(StackValue v) {
    return !is_heap(v) || heap_of(v)->kind == Kind::String;
}

namespace {
void destroy_map(ManagedObject* o) {
    auto* m = static_cast<MapObj*>(o);
    for (auto& [k, v] : m->table) {
        drop_value(k);
        drop_value(v);
    }
    m->~MapObj();
    ::operator delete(m);
}

MapObj* raw_map() {
    auto* m = new (::operator new(sizeof(MapObj))) MapObj();
    m->rc.store(1, std::memory_order_relaxed);
    m->kind = Kind::Map;
    m->flags = 0;
    m->aux = 0;
    m->destroy = destroy_map;
    return m;
}
}  // namespace

MapObj* new_map() {
    return raw_map();
}

MapObj* clone_map(const MapObj* src) {
    MapObj* m = raw_map();
    m->table.reserve(src->table.size());
    for (const auto& [k, v] : src->table)
        m->table.emplace(clone_value(k), clone_value(v));
    return m;
}

MapObj* map_make_unique(MapObj* m) {
    if (is_unique(m)) return m;
    MapObj* copy = clone_map(m);
    release(m);
    return copy;
}

void map_put(MapObj* m, StackValue key, StackValue value) {
    key = share_value(key);
    value = share_value(value);
    auto [it, inserted] = m->table.try_emplace(key, value);
    if (!inserted) {
        drop_value(key);  // keep the existing (equal) key object
        drop_value(it->second);
        it->second = value;
    }
}

bool map_erase(MapObj* m, StackValue key) {
    auto it = m->table.find(key);
    if (it == m->table.end()) return false;
    StackValue k = it->first;
    StackValue v = it->second;
    m->table.erase(it);  // before dropping: the hash of a String key reads its bytes
    drop_value(k);
    drop_value(v);
    return true;
}

namespace {
int key_rank(StackValue k) {
    if (is_int(k)) return 0;
    if (is_bool(k)) return 1;
    return 2;
}
}  // namespace

bool map_key_less(StackValue a, StackValue b) {
    int ra = key_rank(a);
    int rb = key_rank(b);
    if (ra != rb) return ra < rb;
    switch (ra) {
        case 0:
            return int_of(a) < int_of(b);
        case 1:
            return a < b;  // kFalse (0) < kTrue (2)
        default:
            return string_of(a)->view() < string_of(b)->view();
    }
}

std::vector<const MapTable::value_type*> map_sorted_entries(const MapObj* m) {
    std::vector<const MapTable::value_type*> entries;
    entries.reserve(m->table.size());
    for (const auto& e : m->table)
        entries.push_back(&e);
    std::sort(entries.begin(), entries.end(),
              [](const auto* x, const auto* y) { return map_key_less(x->first, y->first); });
    return entries;
}

}  // namespace seq

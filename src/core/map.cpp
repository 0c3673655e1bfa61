#include "core/map.hpp"

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

}  // namespace seq

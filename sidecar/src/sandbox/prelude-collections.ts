/**
 * Caps the entries of a Map or Set (runs inside the isolate, in the prelude closure).
 *
 * Why: V8 grows a hash table by allocating its doubled table in one piece. Once one table
 * outgrows about a third of the heap, that allocation fails before isolated-vm's memory limit
 * can stop the script, and V8 declares a fatal out-of-memory: the run still ends with
 * `memory_limit`, but the isolate's thread is parked for good. A runaway `seen.set(…)` loop is
 * the likeliest way a script gets there, so a Map or Set refuses to grow past a size whose table
 * stays well inside `memoryMb` and the script gets an ordinary `memory_limit` error instead.
 * Plain objects used as dictionaries and WeakMaps are not covered.
 */
export const PRELUDE_COLLECTIONS = String.raw`
const MAX_ENTRIES = LIMITS.maxCollectionEntries;
function collectionFull(kind) {
  return coded('memory_limit', hostMessage('collection', kind));
}
const getOwnDescriptor = Object.getOwnPropertyDescriptor;
const MapProto = Map.prototype, SetProto = Set.prototype;
const mapSet = MapProto.set, mapHas = MapProto.has, mapGet = MapProto.get, mapSize = getOwnDescriptor(MapProto, 'size').get;
const setAdd = SetProto.add, setHas = SetProto.has, setSize = getOwnDescriptor(SetProto, 'size').get;
function guardedSet(key, value) {
  if (mapSize.call(this) >= MAX_ENTRIES && !mapHas.call(this, key)) throw collectionFull('Map');
  return mapSet.call(this, key, value);
}
function guardedAdd(value) {
  if (setSize.call(this) >= MAX_ENTRIES && !setHas.call(this, value)) throw collectionFull('Set');
  return setAdd.call(this, value);
}
defineProperty(guardedSet, 'name', { value: 'set' });
defineProperty(guardedAdd, 'name', { value: 'add' });
defineProperty(MapProto, 'set', { value: guardedSet, writable: true, enumerable: false, configurable: true });
defineProperty(SetProto, 'add', { value: guardedAdd, writable: true, enumerable: false, configurable: true });

// These build their result inside V8 without calling set/add, so they are rebuilt on them.
defineProperty(Map, 'groupBy', {
  value: function groupBy(items, callback) {
    const groups = new Map();
    let index = 0;
    for (const item of items) {
      let key = callback(item, index);
      index += 1;
      if (key === 0) key = 0;
      const group = mapGet.call(groups, key);
      if (group) group.push(item);
      else guardedSet.call(groups, key, [item]);
    }
    return groups;
  },
  writable: true, enumerable: false, configurable: true,
});
['union', 'symmetricDifference'].forEach(function (name) {
  const original = SetProto[name];
  if (typeof original !== 'function') return;
  const wrapped = function (other) {
    const otherSize = other !== null && typeof other === 'object' ? Number(other.size) : 0;
    if (setSize.call(this) + (otherSize > 0 ? otherSize : 0) > MAX_ENTRIES) throw collectionFull('Set');
    return original.call(this, other);
  };
  defineProperty(wrapped, 'name', { value: name });
  defineProperty(SetProto, name, { value: wrapped, writable: true, enumerable: false, configurable: true });
});
`;

/**
 * Caps the entries of a Map or Set (runs inside the isolate).
 *
 * Why: V8 grows a hash table by allocating its doubled table in one piece. Once one table
 * outgrows about a third of the heap, that allocation fails before isolated-vm's memory limit
 * can stop the script, and V8 declares a fatal out-of-memory: the run still ends with
 * `memory_limit`, but the isolate's thread is parked for good. A runaway `seen.set(…)` loop is
 * the likeliest way a script gets there, so a Map or Set refuses to grow past a size whose table
 * stays well inside `memoryMb` and the script gets an ordinary `memory_limit` error instead.
 * Plain objects used as dictionaries and WeakMaps are not covered.
 */
import { coded, defineProperty, type CodedError } from './common';

type Message = (kind: 'collection', what: string) => string;
type AnyMap = Map<unknown, unknown>;
type AnySet = Set<unknown>;

function sizeGetter<T>(proto: T): (this: T) => number {
  const d = Object.getOwnPropertyDescriptor(proto, 'size');
  if (!d || typeof d.get !== 'function') throw new TypeError('size has no getter');
  return d.get as (this: T) => number;
}

export function installCollections(maxEntries: number, message: Message): void {
  const collectionFull = (kind: string): CodedError => coded('memory_limit', message('collection', kind));
  const MapProto: AnyMap = Map.prototype,
    SetProto: AnySet = Set.prototype;
  const mapSet = MapProto.set,
    mapHas = MapProto.has,
    mapGet = MapProto.get,
    mapSize = sizeGetter(MapProto);
  const setAdd = SetProto.add,
    setHas = SetProto.has,
    setSize = sizeGetter(SetProto);
  function guardedSet(this: AnyMap, key: unknown, value: unknown): AnyMap {
    if (mapSize.call(this) >= maxEntries && !mapHas.call(this, key)) throw collectionFull('Map');
    return mapSet.call(this, key, value);
  }
  function guardedAdd(this: AnySet, value: unknown): AnySet {
    if (setSize.call(this) >= maxEntries && !setHas.call(this, value)) throw collectionFull('Set');
    return setAdd.call(this, value);
  }
  defineProperty(guardedSet, 'name', { value: 'set' });
  defineProperty(guardedAdd, 'name', { value: 'add' });
  defineProperty(MapProto, 'set', { value: guardedSet, writable: true, enumerable: false, configurable: true });
  defineProperty(SetProto, 'add', { value: guardedAdd, writable: true, enumerable: false, configurable: true });

  // These build their result inside V8 without calling set/add, so they are rebuilt on them.
  defineProperty(Map, 'groupBy', {
    value: function groupBy(items: Iterable<unknown>, callback: (item: unknown, index: number) => unknown): AnyMap {
      const groups: AnyMap = new Map();
      let index = 0;
      for (const item of items) {
        let key = callback(item, index);
        index += 1;
        if (key === 0) key = 0; // -0 becomes +0, as Map.groupBy does
        const group = mapGet.call(groups, key) as unknown[] | undefined;
        if (group) group.push(item);
        else guardedSet.call(groups, key, [item]);
      }
      return groups;
    },
    writable: true,
    enumerable: false,
    configurable: true,
  });
  const setMethods = SetProto as unknown as Record<string, unknown>;
  ['union', 'symmetricDifference'].forEach(function (name) {
    const original = setMethods[name];
    if (typeof original !== 'function') return;
    const wrapped = function (this: AnySet, other: unknown): unknown {
      const otherSize = other !== null && typeof other === 'object' ? Number((other as { size?: unknown }).size) : 0;
      if (setSize.call(this) + (otherSize > 0 ? otherSize : 0) > maxEntries) throw collectionFull('Set');
      return (original as (this: AnySet, o: unknown) => unknown).call(this, other);
    };
    defineProperty(wrapped, 'name', { value: name });
    defineProperty(SetProto, name, { value: wrapped, writable: true, enumerable: false, configurable: true });
  });
}

//! Indexing a [`Value`] with `["key"]` or `[0]`, as serde_json's value is indexed: a missing
//! member reads as `null`, and assigning through an index adds an object member.

use std::ops::{Index, IndexMut};

use super::{Map, Value};

/// What `value[index]` reads when the member or element is absent.
static NULL: Value = Value::Null;

/// What can index a [`Value`]: a key (`&str`, `String`) or an array position (`usize`).
pub trait JsonIndex {
    /// The member or element, if present.
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value>;
    /// Mutable [`JsonIndex::index_into`].
    fn index_into_mut<'v>(&self, v: &'v mut Value) -> Option<&'v mut Value>;
    /// For `value[index] = …`: the slot, created in an object (or in `null`, which becomes
    /// an object) when missing. Panics like serde_json's for an array index out of range or
    /// a key on a non-object.
    fn index_or_insert<'v>(&self, v: &'v mut Value) -> &'v mut Value;
}

impl JsonIndex for usize {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        v.as_array().and_then(|items| items.get(*self))
    }
    fn index_into_mut<'v>(&self, v: &'v mut Value) -> Option<&'v mut Value> {
        v.as_array_mut().and_then(|items| items.get_mut(*self))
    }
    fn index_or_insert<'v>(&self, v: &'v mut Value) -> &'v mut Value {
        let len = v.as_array().map_or(0, Vec::len);
        match v.as_array_mut().and_then(|items| items.get_mut(*self)) {
            Some(slot) => slot,
            None => panic!("cannot index a JSON value of length {len} with {self}"),
        }
    }
}

impl JsonIndex for str {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        v.as_object().and_then(|map| map.get(self))
    }
    fn index_into_mut<'v>(&self, v: &'v mut Value) -> Option<&'v mut Value> {
        v.as_object_mut().and_then(|map| map.get_mut(self))
    }
    fn index_or_insert<'v>(&self, v: &'v mut Value) -> &'v mut Value {
        if v.is_null() {
            *v = Value::Object(Map::new());
        }
        match v {
            Value::Object(map) => map.entry_or_null(self),
            _ => panic!("cannot index a non-object JSON value with {self:?}"),
        }
    }
}

impl JsonIndex for String {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        self.as_str().index_into(v)
    }
    fn index_into_mut<'v>(&self, v: &'v mut Value) -> Option<&'v mut Value> {
        self.as_str().index_into_mut(v)
    }
    fn index_or_insert<'v>(&self, v: &'v mut Value) -> &'v mut Value {
        self.as_str().index_or_insert(v)
    }
}

impl<T: JsonIndex + ?Sized> JsonIndex for &T {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        (**self).index_into(v)
    }
    fn index_into_mut<'v>(&self, v: &'v mut Value) -> Option<&'v mut Value> {
        (**self).index_into_mut(v)
    }
    fn index_or_insert<'v>(&self, v: &'v mut Value) -> &'v mut Value {
        (**self).index_or_insert(v)
    }
}

impl<I: JsonIndex> Index<I> for Value {
    type Output = Value;
    /// The member or element, or `null` when absent (as serde_json does).
    fn index(&self, index: I) -> &Value {
        index.index_into(self).unwrap_or(&NULL)
    }
}

impl<I: JsonIndex> IndexMut<I> for Value {
    fn index_mut(&mut self, index: I) -> &mut Value {
        index.index_or_insert(self)
    }
}

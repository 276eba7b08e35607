//! gRPC status codes, as config and traces name them (R7).
//!
//! One enum for the 17 canonical codes and a tiny bit set for the code lists a policy carries
//! (`retryableStatusCodes`, `nonFatalStatusCodes`): membership tests on the hot path of the
//! engine are a shift and a mask, and iteration is always in numeric order, so anything printed
//! from a set is deterministic.

use std::fmt;

/// A canonical gRPC status code (0..=16).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Code {
    /// 0
    Ok = 0,
    /// 1
    Cancelled = 1,
    /// 2
    Unknown = 2,
    /// 3
    InvalidArgument = 3,
    /// 4
    DeadlineExceeded = 4,
    /// 5
    NotFound = 5,
    /// 6
    AlreadyExists = 6,
    /// 7
    PermissionDenied = 7,
    /// 8
    ResourceExhausted = 8,
    /// 9
    FailedPrecondition = 9,
    /// 10
    Aborted = 10,
    /// 11
    OutOfRange = 11,
    /// 12
    Unimplemented = 12,
    /// 13
    Internal = 13,
    /// 14
    Unavailable = 14,
    /// 15
    DataLoss = 15,
    /// 16
    Unauthenticated = 16,
}

const NAMES: [&str; 17] = [
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

impl Code {
    /// Every code, in numeric order.
    pub const ALL: [Code; 17] = [
        Code::Ok,
        Code::Cancelled,
        Code::Unknown,
        Code::InvalidArgument,
        Code::DeadlineExceeded,
        Code::NotFound,
        Code::AlreadyExists,
        Code::PermissionDenied,
        Code::ResourceExhausted,
        Code::FailedPrecondition,
        Code::Aborted,
        Code::OutOfRange,
        Code::Unimplemented,
        Code::Internal,
        Code::Unavailable,
        Code::DataLoss,
        Code::Unauthenticated,
    ];

    /// The canonical upper-case name, e.g. `"UNAVAILABLE"`.
    pub fn name(self) -> &'static str {
        NAMES[self as usize]
    }

    /// The numeric value, 0..=16.
    pub fn value(self) -> i32 {
        self as i32
    }

    /// The code with this numeric value, if it is in 0..=16.
    pub fn from_value(value: i64) -> Option<Code> {
        usize::try_from(value)
            .ok()
            .and_then(|i| Code::ALL.get(i).copied())
    }

    /// The code with exactly this canonical (upper-case) name.
    pub fn from_name(name: &str) -> Option<Code> {
        NAMES.iter().position(|n| *n == name).map(|i| Code::ALL[i])
    }

    /// The code whose canonical name equals `name` ignoring ASCII case (A6 allows any case, R7).
    pub fn from_name_any_case(name: &str) -> Option<Code> {
        NAMES
            .iter()
            .position(|n| n.eq_ignore_ascii_case(name))
            .map(|i| Code::ALL[i])
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

// Both conversions go through the numeric value: tonic numbers its codes as gRPC does (0..=16),
// so the two enums cannot disagree, and the live server and the live client share one mapping.
impl From<Code> for tonic::Code {
    fn from(code: Code) -> tonic::Code {
        tonic::Code::from_i32(code.value())
    }
}

impl From<tonic::Code> for Code {
    /// A code outside 0..=16 cannot come from tonic; it would read as `UNKNOWN`, as gRPC reads one.
    fn from(code: tonic::Code) -> Code {
        Code::from_value(i64::from(i32::from(code))).unwrap_or(Code::Unknown)
    }
}

/// A set of status codes, iterated in numeric order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CodeSet(u32);

impl CodeSet {
    /// The empty set.
    pub const EMPTY: CodeSet = CodeSet(0);

    /// Whether `code` is in the set.
    pub fn contains(self, code: Code) -> bool {
        self.0 & (1 << code as u32) != 0
    }

    /// Adds `code`; returns false if it was already present.
    pub fn insert(&mut self, code: Code) -> bool {
        let had = self.contains(code);
        self.0 |= 1 << code as u32;
        !had
    }

    /// Whether the set has no codes.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The number of codes in the set.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The codes, in numeric order.
    pub fn iter(self) -> impl Iterator<Item = Code> {
        Code::ALL.into_iter().filter(move |c| self.contains(*c))
    }
}

impl FromIterator<Code> for CodeSet {
    fn from_iter<I: IntoIterator<Item = Code>>(iter: I) -> Self {
        let mut set = CodeSet::EMPTY;
        for code in iter {
            set.insert(code);
        }
        set
    }
}

impl fmt::Display for CodeSet {
    /// `UNAVAILABLE, ABORTED`-style list in numeric order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for code in self.iter() {
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            f.write_str(code.name())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tonic_codes_round_trip_all_17() {
        for code in Code::ALL {
            let theirs = tonic::Code::from(code);
            assert_eq!(i32::from(theirs), code.value(), "{code}");
            assert_eq!(Code::from(theirs), code);
        }
        assert_eq!(Code::ALL.len(), 17);
    }

    #[test]
    fn names_round_trip_and_values_match_r7() {
        for (i, code) in Code::ALL.iter().enumerate() {
            assert_eq!(code.value(), i as i32);
            assert_eq!(Code::from_value(i as i64), Some(*code));
            assert_eq!(Code::from_name(code.name()), Some(*code));
        }
        assert_eq!(Code::from_value(17), None);
        assert_eq!(Code::from_value(-1), None);
        assert_eq!(Code::Unavailable.value(), 14);
    }

    #[test]
    fn canceled_with_one_l_is_not_a_name_r7() {
        assert_eq!(Code::from_name_any_case("CANCELED"), None);
        assert_eq!(
            Code::from_name_any_case("unavailable"),
            Some(Code::Unavailable)
        );
        assert_eq!(Code::from_name("unavailable"), None);
    }

    #[test]
    fn set_iterates_in_numeric_order() {
        let set: CodeSet = [Code::Unavailable, Code::Aborted, Code::Unavailable]
            .into_iter()
            .collect();
        assert_eq!(set.len(), 2);
        assert_eq!(set.to_string(), "ABORTED, UNAVAILABLE");
        assert!(set.contains(Code::Aborted));
        assert!(!set.contains(Code::Ok));
    }
}

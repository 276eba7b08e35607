//! `check-config --as PROFILE` and `--behaviour`: a runtime's or client library's verdict on
//! the config, and what each profile does differently from `a6` with it. Thin: the verdict is
//! [`Profile::rejection`] and the differences are [`hedgehog::profile::behaviour`]'s.

use hedgehog::config::ParseOptions;
use hedgehog::json::Value;
use hedgehog::profile::behaviour::Difference;
use hedgehog::profile::Profile;
use serde::Serialize;

/// One profile's verdict on the config (R5).
pub struct Verdict {
    profile: &'static Profile,
    /// Why it rejects the config, or `None` when it accepts it.
    reasons: Option<Vec<String>>,
}

impl Verdict {
    /// `profile`'s verdict on `value`, with hedgehog's `options` (mode and ceiling).
    pub fn of(profile: &'static Profile, value: &Value, options: &ParseOptions) -> Self {
        Verdict {
            profile,
            reasons: profile.rejection(value, options),
        }
    }

    /// The profile's name.
    pub fn name(&self) -> &'static str {
        self.profile.name
    }

    /// Whether the profile's runtime or library takes the config.
    pub fn accepts(&self) -> bool {
        self.reasons.is_none()
    }

    /// `as grpc-js: rejects` and the reasons, for the text report.
    pub fn text(&self) -> String {
        let name = self.profile.name;
        match &self.reasons {
            None => format!("\nas {name}: accepts\n"),
            Some(reasons) => {
                let mut out = format!(
                    "\nas {name}: rejects ({} reason{}):\n",
                    reasons.len(),
                    if reasons.len() == 1 { "" } else { "s" }
                );
                for r in reasons {
                    out.push_str(&format!("  {r}\n"));
                }
                out
            }
        }
    }
}

/// The `behaviour` section of the text report.
pub fn behaviour_text(differences: &[Difference]) -> String {
    let mut out = String::from("\nbehaviour (where each runtime and library differs from a6):\n");
    if differences.is_empty() {
        out.push_str("  (none for this config)\n");
    }
    for d in differences {
        let who = d.profiles.join(", ");
        out.push_str(&format!("  {who}: {} [{}]\n", d.text, d.rules));
    }
    out
}

/// The `--as` and `--behaviour` fields of the JSON report, absent without those flags.
#[derive(Serialize)]
pub struct JsonExtra<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<JsonVerdict<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    behaviour: Option<Vec<JsonDifference<'a>>>,
}

#[derive(Serialize)]
struct JsonVerdict<'a> {
    name: &'static str,
    accepts: bool,
    reasons: &'a [String],
}

#[derive(Serialize)]
struct JsonDifference<'a> {
    profiles: &'a [&'static str],
    text: &'a str,
    rules: &'static str,
}

impl<'a> JsonExtra<'a> {
    /// The fields for what was asked.
    pub fn new(verdict: Option<&'a Verdict>, behaviour: Option<&'a [Difference]>) -> Self {
        JsonExtra {
            profile: verdict.map(|v| JsonVerdict {
                name: v.profile.name,
                accepts: v.accepts(),
                reasons: v.reasons.as_deref().unwrap_or(&[]),
            }),
            behaviour: behaviour.map(|all| {
                all.iter()
                    .map(|d| JsonDifference {
                        profiles: &d.profiles,
                        text: &d.text,
                        rules: d.rules,
                    })
                    .collect()
            }),
        }
    }
}

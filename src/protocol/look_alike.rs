//! Names that look alike: UTS #39 confusable skeletons and mixed scripts.
//!
//! Two names whose skeletons match render (near enough) the same: `alice`
//! and `аlice` with a Cyrillic `а`, `ａｌｉｃｅ` in fullwidth letters, `rn`
//! and `m`. natterd never lets two of them be online at once, and a
//! registered name blocks its look-alikes. Each name has up to three
//! keys, the skeletons of the name as written, case-folded and in capitals,
//! and two names look alike when they share one: so `Ian` and `lan`
//! (capital i, small L) collide, `ALlCE` (small L) and `alice` (whose
//! capitals are `ALICE`), as well as `Alice` and `аlice`. Names that differ
//! only in case are one name already.
//!
//! A name that mixes scripts in a way UTS #39's "highly restrictive" level
//! does not allow (Latin with Cyrillic or Greek, say; Latin with Han,
//! Hiragana, Katakana or Hangul is fine) is refused outright.

use unicode_script::{Script, UnicodeScript};
use unicode_security::confusable_detection::skeleton;
use unicode_security::{GeneralSecurityProfile, RestrictionLevel, RestrictionLevelDetection};

use super::name::fold_name;

/// The keys of `name`: two look-alike names share at least one.
pub fn look_alike_keys(name: &str) -> Vec<String> {
    let mut keys: Vec<String> = Vec::with_capacity(3);
    for form in [name.to_owned(), fold_name(name), name.to_uppercase()] {
        let key: String = skeleton(&form).collect();
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

/// Do `a` and `b` look alike (or differ only in case)?
pub fn looks_alike(a: &str, b: &str) -> bool {
    let b_keys = look_alike_keys(b);
    fold_name(a) == fold_name(b) || look_alike_keys(a).iter().any(|k| b_keys.contains(k))
}

/// The scripts of `name`'s letters when they mix in a way UTS #39 calls
/// more than highly restrictive; `None` when the mix is fine.
pub fn mixed_scripts(name: &str) -> Option<Vec<&'static str>> {
    // Characters outside the identifier profile (fullwidth forms, say)
    // are judged by their look-alike key, not here.
    let judged: String = name.chars().filter(|c| c.identifier_allowed()).collect();
    if judged.as_str().detect_restriction_level() <= RestrictionLevel::HighlyRestrictive {
        return None;
    }
    let mut scripts: Vec<&'static str> = Vec::new();
    for c in judged.chars() {
        let script = c.script();
        if !matches!(script, Script::Common | Script::Inherited | Script::Unknown)
            && !scripts.contains(&script.full_name())
        {
            scripts.push(script.full_name());
        }
    }
    Some(scripts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alikes_share_a_key() {
        for same in ["Alice", "аlice", "ALICE", "ａｌｉｃｅ", "alıce", "\u{0430}lice"] {
            assert!(looks_alike("alice", same), "{same}");
        }
        assert!(looks_alike("ALICE", "ALlCE"));
        assert!(looks_alike("rn", "m"));
        assert!(looks_alike("Ian", "lan"));
        assert!(!looks_alike("alice", "alicia"));
        assert!(!looks_alike("철수", "영희"));
        assert!(looks_alike("철수", "\u{110E}\u{1165}\u{11AF}\u{1109}\u{116E}"));
    }

    #[test]
    fn only_unusual_script_mixes_are_refused() {
        for fine in ["alice", "철수", "철수abc", "日本語テスト", "Zoë", "ΑΒΓ", "x_y-z.9", "ａｌｉｃｅ"]
        {
            assert_eq!(mixed_scripts(fine), None, "{fine}");
        }
        assert_eq!(mixed_scripts("аlice"), Some(vec!["Cyrillic", "Latin"]));
        assert_eq!(mixed_scripts("Ωmega"), Some(vec!["Greek", "Latin"]));
    }
}

//! Build-time constants.
//!
//! meson passes these as environment variables to cargo; a plain
//! `cargo run --features gui` gets the development defaults below, so the
//! client runs straight from `target/` with nothing generated into `src/`.

/// The GApplication id; meson's `devel` profile adds `.Devel`.
pub const APP_ID: &str = match option_env!("APP_ID") {
    Some(id) => id,
    None => "io.github.natter.Natter",
};

/// The version shown in the About dialog.
pub const VERSION: &str = match option_env!("VERSION") {
    Some(v) => v,
    None => env!("CARGO_PKG_VERSION"),
};

/// The gettext domain.
pub const GETTEXT_PACKAGE: &str = match option_env!("GETTEXT_PACKAGE") {
    Some(p) => p,
    None => "natter",
};

/// Where the compiled translations are installed.
pub const LOCALEDIR: &str = match option_env!("LOCALEDIR") {
    Some(dir) => dir,
    None => "/usr/local/share/locale",
};

/// The build profile meson chose: `default` or `devel`.
pub const PROFILE: &str = match option_env!("PROFILE") {
    Some(p) => p,
    None => "default",
};

/// True for development builds, which get the `devel` style class.
pub fn is_devel() -> bool {
    PROFILE.eq_ignore_ascii_case("devel")
}

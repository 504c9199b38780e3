//! A stand-in for the desktop's notification server, for the GTK tests.
//!
//! [`Recorder`] owns `org.freedesktop.Notifications` on the session bus
//! (a private one: see `notifications.rs`) on a connection of its own, as
//! a separate daemon would, and implements what GLib's freedesktop backend
//! calls: `Notify` (recorded), `CloseNotification`, `GetCapabilities` and
//! `GetServerInformation`. [`Recorder::click`] emits
//! `ActionInvoked(id, "default")`, as a click on a notification does.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use gtk::prelude::*;
use gtk::{gio, glib};

use crate::support::wait_until;

const NAME: &str = "org.freedesktop.Notifications";
const PATH: &str = "/org/freedesktop/Notifications";

/// The part of the Desktop Notifications Specification (1.2) that GLib's
/// freedesktop backend uses.
const INTROSPECTION: &str = r#"<node>
  <interface name="org.freedesktop.Notifications">
    <method name="Notify">
      <arg type="s" name="app_name" direction="in"/>
      <arg type="u" name="replaces_id" direction="in"/>
      <arg type="s" name="app_icon" direction="in"/>
      <arg type="s" name="summary" direction="in"/>
      <arg type="s" name="body" direction="in"/>
      <arg type="as" name="actions" direction="in"/>
      <arg type="a{sv}" name="hints" direction="in"/>
      <arg type="i" name="expire_timeout" direction="in"/>
      <arg type="u" name="id" direction="out"/>
    </method>
    <method name="CloseNotification">
      <arg type="u" name="id" direction="in"/>
    </method>
    <method name="GetCapabilities">
      <arg type="as" name="capabilities" direction="out"/>
    </method>
    <method name="GetServerInformation">
      <arg type="s" name="name" direction="out"/>
      <arg type="s" name="vendor" direction="out"/>
      <arg type="s" name="version" direction="out"/>
      <arg type="s" name="spec_version" direction="out"/>
    </method>
    <signal name="NotificationClosed">
      <arg type="u" name="id"/>
      <arg type="u" name="reason"/>
    </signal>
    <signal name="ActionInvoked">
      <arg type="u" name="id"/>
      <arg type="s" name="action_key"/>
    </signal>
  </interface>
</node>"#;

/// One `Notify` call as received.
#[derive(Debug, Clone)]
pub struct Notified {
    /// The id the recorder answered with.
    pub id: u32,
    pub app_name: String,
    pub replaces_id: u32,
    pub summary: String,
    pub body: String,
    /// Key, label, key, label…
    pub actions: Vec<String>,
    pub hints: HashMap<String, glib::Variant>,
}

impl Notified {
    /// A string hint such as `desktop-entry`.
    pub fn hint(&self, key: &str) -> Option<String> {
        self.hints.get(key).and_then(|v| v.str().map(str::to_owned))
    }

    /// The action keys (without their labels).
    pub fn action_keys(&self) -> Vec<&str> {
        self.actions.iter().step_by(2).map(String::as_str).collect()
    }
}

#[derive(Debug, Default)]
struct State {
    /// Some(true) once the name is ours, Some(false) if it was refused.
    owned: Option<bool>,
    notified: Vec<Notified>,
    closed: Vec<u32>,
    last_id: u32,
}

/// A stand-in notification server on the session bus; gives the name up
/// and leaves the bus on drop.
pub struct Recorder {
    connection: gio::DBusConnection,
    owner: Option<gio::OwnerId>,
    registration: Option<gio::RegistrationId>,
    state: Rc<RefCell<State>>,
}

impl Recorder {
    /// Connects to the session bus on a connection of its own and owns
    /// `org.freedesktop.Notifications`, waiting until the bus says so.
    pub fn start() -> Recorder {
        let address = gio::dbus_address_get_for_bus_sync(gio::BusType::Session, None::<&gio::Cancellable>)
            .expect("a session bus (dbus-run-session) is there");
        let connection = gio::DBusConnection::for_address_sync(
            &address,
            gio::DBusConnectionFlags::AUTHENTICATION_CLIENT | gio::DBusConnectionFlags::MESSAGE_BUS_CONNECTION,
            None,
            None::<&gio::Cancellable>,
        )
        .expect("the recorder connects to the session bus");
        let state = Rc::new(RefCell::new(State::default()));
        let info = gio::DBusNodeInfo::for_xml(INTROSPECTION).expect("the introspection XML parses");
        let interface = info.lookup_interface(NAME).expect("the XML has the interface");
        let calls = state.clone();
        let registration = connection
            .register_object(PATH, &interface)
            .method_call(move |connection, _sender, _path, _iface, method, params, invocation| {
                answer(&connection, &calls, method, &params, invocation)
            })
            .build()
            .expect("the recorder registers its object");
        let (acquired, lost) = (state.clone(), state.clone());
        let owner = gio::bus_own_name_on_connection(
            &connection,
            NAME,
            gio::BusNameOwnerFlags::DO_NOT_QUEUE,
            move |_, _| acquired.borrow_mut().owned = Some(true),
            move |_, _| lost.borrow_mut().owned = Some(false),
        );
        let recorder = Recorder { connection, owner: Some(owner), registration: Some(registration), state };
        wait_until("the recorder to own org.freedesktop.Notifications", || recorder.state.borrow().owned.is_some());
        assert_eq!(recorder.state.borrow().owned, Some(true), "nobody else owns {NAME} on this bus");
        recorder
    }

    /// Every `Notify` so far, oldest first.
    pub fn notified(&self) -> Vec<Notified> {
        self.state.borrow().notified.clone()
    }

    /// The ids `CloseNotification` was called with.
    pub fn closed(&self) -> Vec<u32> {
        self.state.borrow().closed.clone()
    }

    /// Waits for the `n`th `Notify` (1-based) and returns it.
    pub fn wait_nth(&self, n: usize, what: &str) -> Notified {
        wait_until(&format!("notification {n}: {what}"), || self.state.borrow().notified.len() >= n);
        self.state.borrow().notified[n - 1].clone()
    }

    /// A click on notification `id`: `ActionInvoked(id, "default")`.
    pub fn click(&self, id: u32) {
        self.connection
            .emit_signal(None, PATH, NAME, "ActionInvoked", Some(&(id, "default").to_variant()))
            .expect("the recorder emits ActionInvoked");
    }

    /// Waits until `client` has read every answer the recorder gave it so
    /// far: one more call from it, answered after those, comes back. (The
    /// recorder records a `Notify` before GLib reads the id it answered.)
    pub fn sync_with(&self, client: &gio::DBusConnection) {
        let done = Rc::new(Cell::new(false));
        let flag = done.clone();
        client.call(
            Some(NAME),
            PATH,
            NAME,
            "GetServerInformation",
            None,
            None,
            gio::DBusCallFlags::NONE,
            5000,
            None::<&gio::Cancellable>,
            move |reply| {
                reply.expect("the recorder answers GetServerInformation");
                flag.set(true);
            },
        );
        wait_until("a round trip through the recorder", || done.get());
    }

    /// Does anyone own `name` on the bus?
    pub fn has_owner(&self, name: &str) -> bool {
        let reply = self
            .connection
            .call_sync(
                Some("org.freedesktop.DBus"),
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus",
                "NameHasOwner",
                Some(&(name,).to_variant()),
                Some(glib::VariantTy::new("(b)").expect("(b) is a type")),
                gio::DBusCallFlags::NONE,
                5000,
                None::<&gio::Cancellable>,
            )
            .expect("the bus answers NameHasOwner");
        reply.child_value(0).get::<bool>().expect("NameHasOwner answers a boolean")
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        if let Some(registration) = self.registration.take() {
            let _ = self.connection.unregister_object(registration);
        }
        if let Some(owner) = self.owner.take() {
            gio::bus_unown_name(owner);
        }
        let _ = self.connection.close_sync(None::<&gio::Cancellable>);
    }
}

/// Answers one method call, recording what needs recording.
fn answer(
    connection: &gio::DBusConnection,
    state: &RefCell<State>,
    method: &str,
    params: &glib::Variant,
    invocation: gio::DBusMethodInvocation,
) {
    match method {
        "Notify" => {
            type Args = (String, u32, String, String, String, Vec<String>, HashMap<String, glib::Variant>, i32);
            let Some((app_name, replaces_id, _icon, summary, body, actions, hints, _timeout)) = params.get::<Args>()
            else {
                invocation.return_dbus_error("org.freedesktop.DBus.Error.InvalidArgs", "bad Notify arguments");
                return;
            };
            let mut state = state.borrow_mut();
            let id = if replaces_id != 0 {
                replaces_id
            } else {
                state.last_id += 1;
                state.last_id
            };
            state.notified.push(Notified { id, app_name, replaces_id, summary, body, actions, hints });
            invocation.return_value(Some(&(id,).to_variant()));
        }
        "CloseNotification" => {
            let id = params.child_value(0).get::<u32>().unwrap_or_default();
            state.borrow_mut().closed.push(id);
            invocation.return_value(None);
            // 3: closed by a call to CloseNotification.
            let _ = connection.emit_signal(None, PATH, NAME, "NotificationClosed", Some(&(id, 3u32).to_variant()));
        }
        "GetCapabilities" => {
            let caps = vec!["actions".to_owned(), "body".to_owned()];
            invocation.return_value(Some(&(caps,).to_variant()));
        }
        "GetServerInformation" => {
            invocation.return_value(Some(&("natter-test-recorder", "Natter", "1", "1.2").to_variant()));
        }
        other => invocation.return_dbus_error("org.freedesktop.DBus.Error.UnknownMethod", other),
    }
}

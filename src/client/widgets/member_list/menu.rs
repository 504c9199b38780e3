//! A member's menu: "Private Message", and for an operator of the room
//! "Kick…", "Mute…" and "Ban…" (never on this user's own row).
//!
//! It opens from the row's button, a right click, a long press, and on
//! the focused row with the Menu key or Shift+F10. One popover serves
//! every row: it hangs on the list itself, not a row, so rebuilding the
//! rows never takes it away while its item is being activated.

use adw::prelude::*;
use adw::subclass::prelude::*;
use gtk::{gdk, gio, glib, graphene};

use super::{imp, MemberList};
use crate::i18n::gettext_f;
use crate::model::penalty::Penalty;

/// The actions the menus call, with the member's name as target.
pub(super) fn install_actions(klass: &mut <imp::MemberList as ObjectSubclass>::Class) {
    let name_type = Some(glib::VariantTy::STRING);
    klass.install_action("member.private-message", name_type, |list, _, name| {
        list.imp().menu_for.take();
        if let Some(name) = name.and_then(|v| v.get::<String>()) {
            list.choose(&name);
        }
    });
    for (action, penalty) in
        [("member.kick", Penalty::Kick), ("member.mute", Penalty::Mute), ("member.ban", Penalty::Ban)]
    {
        klass.install_action(action, name_type, move |list, _, name| {
            list.imp().menu_for.take();
            if let Some(name) = name.and_then(|v| v.get::<String>()) {
                list.penalise(name, penalty);
            }
        });
    }
    klass.install_action("member.menu", None, |list, _, _| list.open_focused_menu());
    klass.add_binding_action(gdk::Key::Menu, gdk::ModifierType::empty(), "member.menu");
    klass.add_binding_action(gdk::Key::F10, gdk::ModifierType::SHIFT_MASK, "member.menu");
}

impl MemberList {
    /// Right click and long press on a row open its menu there.
    pub(super) fn setup_menu_gestures(&self) {
        let list_box = self.imp().list_box.get();
        let click = gtk::GestureClick::builder().button(gdk::BUTTON_SECONDARY).build();
        let list = self.downgrade();
        click.connect_pressed(move |gesture, _, x, y| {
            if let Some(list) = list.upgrade() {
                if list.menu_at(x, y) {
                    gesture.set_state(gtk::EventSequenceState::Claimed);
                }
            }
        });
        list_box.add_controller(click);
        let press = gtk::GestureLongPress::builder().touch_only(true).build();
        let list = self.downgrade();
        press.connect_pressed(move |gesture, x, y| {
            if let Some(list) = list.upgrade() {
                if list.menu_at(x, y) {
                    gesture.set_state(gtk::EventSequenceState::Claimed);
                }
            }
        });
        list_box.add_controller(press);
    }

    /// The menu of the row at `x`, `y` (list coordinates), pointing there.
    fn menu_at(&self, x: f64, y: f64) -> bool {
        let imp = self.imp();
        let Some(row) = imp.list_box.row_at_y(y as i32) else { return false };
        let Some(name) = self.name_at(row.index()) else { return false };
        let point = imp.list_box.compute_point(self, &graphene::Point::new(x as f32, y as f32));
        let at = point.map(|p| gdk::Rectangle::new(p.x() as i32, p.y() as i32, 1, 1));
        self.open_menu(&name, at)
    }

    /// The Menu key or Shift+F10: the focused row's menu.
    fn open_focused_menu(&self) {
        let row = self.imp().list_box.focus_child().and_downcast::<gtk::ListBoxRow>();
        if let Some(name) = row.and_then(|row| self.name_at(row.index())) {
            self.open_menu(&name, None);
        }
    }

    /// The flat button at the end of `name`'s row that opens its menu.
    pub(super) fn menu_button(&self, name: &str) -> gtk::Button {
        let button = gtk::Button::builder()
            .icon_name("view-more-symbolic")
            .tooltip_text(gettext_f("Actions for {name}", &[("name", name)]))
            .valign(gtk::Align::Center)
            // The row takes the focus; the keyboard opens this with Menu.
            .focusable(false)
            .build();
        button.add_css_class("flat");
        button.add_css_class("member-menu-button");
        let (list, name) = (self.downgrade(), name.to_owned());
        button.connect_clicked(move |_| {
            if let Some(list) = list.upgrade() {
                list.open_menu(&name, None);
            }
        });
        button
    }

    /// Opens `name`'s menu, pointing `at` a spot of the list or at their
    /// row. False for this user's own row, which has none.
    pub fn open_menu(&self, name: &str, at: Option<gdk::Rectangle>) -> bool {
        let imp = self.imp();
        if *imp.me.borrow() == name {
            return false;
        }
        let Some(row) = self.row_of(name) else { return false };
        let at = at.or_else(|| {
            // A row not laid out yet has no place: then the whole list.
            let bounds = row.compute_bounds(self).filter(|b| b.height() > 0.0)?;
            Some(gdk::Rectangle::new(
                bounds.x() as i32,
                bounds.y() as i32,
                bounds.width() as i32,
                bounds.height() as i32,
            ))
        });
        let popover = imp.menu.borrow_mut().get_or_insert_with(|| self.new_menu()).clone();
        popover.set_menu_model(Some(&menu_model(name, imp.operator.get())));
        popover.set_pointing_to(at.as_ref());
        row.grab_focus();
        imp.menu_for.replace(Some(name.to_owned()));
        popover.popup();
        true
    }

    fn new_menu(&self) -> gtk::PopoverMenu {
        let popover = gtk::PopoverMenu::from_model(None::<&gio::MenuModel>);
        popover.set_has_arrow(true);
        popover.set_position(gtk::PositionType::Bottom);
        popover.add_css_class("member-menu");
        popover.set_parent(self);
        let list = self.downgrade();
        popover.connect_closed(move |_| {
            // After the item's action, if one was chosen (it may come
            // just after the menu closes).
            let list = list.clone();
            glib::idle_add_local_once(move || {
                let Some(list) = list.upgrade() else { return };
                let name = list.imp().menu_for.take();
                if let Some(row) = name.and_then(|name| list.row_of(&name)) {
                    row.grab_focus();
                }
            });
        });
        popover
    }

    /// Closes the member menu if it is open.
    pub fn close_menu(&self) {
        if let Some(menu) = self.imp().menu.borrow().as_ref() {
            menu.popdown();
        }
    }

    /// The member menu, while open.
    pub fn open_menu_widget(&self) -> Option<gtk::PopoverMenu> {
        self.imp().menu.borrow().as_ref().filter(|m| m.is_visible()).cloned()
    }

    /// An operator chose `penalty` for `name` in a menu.
    fn penalise(&self, name: String, penalty: Penalty) {
        if let Some(penalty_fn) = self.imp().penalty.borrow().as_ref() {
            penalty_fn(name, penalty);
        }
    }
}

/// The items of `name`'s menu; the operator's only for an `operator`.
fn menu_model(name: &str, operator: bool) -> gio::Menu {
    let item = |label: String, action: &str| {
        let item = gio::MenuItem::new(Some(&label), None);
        item.set_action_and_target_value(Some(action), Some(&name.to_variant()));
        item
    };
    let menu = gio::Menu::new();
    menu.append_item(&item(gettext_f("_Private Message", &[]), "member.private-message"));
    if operator {
        let moderation = gio::Menu::new();
        moderation.append_item(&item(gettext_f("_Kick…", &[]), "member.kick"));
        moderation.append_item(&item(gettext_f("_Mute…", &[]), "member.mute"));
        moderation.append_item(&item(gettext_f("_Ban…", &[]), "member.ban"));
        menu.append_section(None, &moderation);
    }
    menu
}

//! The app's window as the X server sees it (Xvfb here, no window manager): found by its
//! process and title, closed the way a title bar's close button closes it (the ICCCM
//! `WM_DELETE_WINDOW` message, which GTK turns into the app's close request), and whether it is
//! on screen. WebDriver cannot do this: it closes the page, not the window.

use std::ffi::{CStr, CString};
use std::os::raw::{c_int, c_uchar, c_uint, c_ulong};
use std::ptr;

use x11_dl::xlib;

pub struct X {
    xlib: xlib::Xlib,
    display: *mut xlib::Display,
}

impl X {
    /// A connection to `$DISPLAY`.
    pub fn connect() -> X {
        let xlib = xlib::Xlib::open().expect("libX11 (apt package libx11-6)");
        // SAFETY: a null name means $DISPLAY; the result is checked before any use.
        let display = unsafe { (xlib.XOpenDisplay)(ptr::null()) };
        assert!(!display.is_null(), "cannot open the X display $DISPLAY");
        X { xlib, display }
    }

    fn atom(&self, name: &str) -> xlib::Atom {
        let name = CString::new(name).expect("an atom name without NUL");
        // SAFETY: a live display and a NUL-terminated name.
        unsafe { (self.xlib.XInternAtom)(self.display, name.as_ptr(), xlib::False) }
    }

    fn children(&self, window: xlib::Window) -> Vec<xlib::Window> {
        let (mut root, mut parent) = (0, 0);
        let mut children: *mut xlib::Window = ptr::null_mut();
        let mut n: c_uint = 0;
        // SAFETY: out-pointers to locals; the list is copied, then freed with XFree.
        unsafe {
            let ok = (self.xlib.XQueryTree)(
                self.display,
                window,
                &mut root,
                &mut parent,
                &mut children,
                &mut n,
            );
            if ok == 0 || children.is_null() {
                return Vec::new();
            }
            let list = std::slice::from_raw_parts(children, n as usize).to_vec();
            (self.xlib.XFree)(children.cast());
            list
        }
    }

    /// The `_NET_WM_PID` GTK sets on its windows.
    fn pid(&self, window: xlib::Window) -> Option<u32> {
        let (mut kind, mut format, mut items, mut after) = (0, 0 as c_int, 0 as c_ulong, 0);
        let mut data: *mut c_uchar = ptr::null_mut();
        // SAFETY: out-pointers to locals; a 32-bit property comes back as C longs, read only when
        // one item of format 32 arrived, then freed with XFree.
        unsafe {
            let status = (self.xlib.XGetWindowProperty)(
                self.display,
                window,
                self.atom("_NET_WM_PID"),
                0,
                1,
                xlib::False,
                xlib::XA_CARDINAL,
                &mut kind,
                &mut format,
                &mut items,
                &mut after,
                &mut data,
            );
            if data.is_null() {
                return None;
            }
            let pid = (status == 0 && format == 32 && items == 1)
                .then(|| *(data as *const c_ulong) as u32);
            (self.xlib.XFree)(data.cast());
            pid
        }
    }

    fn title(&self, window: xlib::Window) -> Option<String> {
        let mut name: *mut std::os::raw::c_char = ptr::null_mut();
        // SAFETY: out-pointer to a local; the string is copied, then freed with XFree.
        unsafe {
            if (self.xlib.XFetchName)(self.display, window, &mut name) == 0 || name.is_null() {
                return None;
            }
            let title = CStr::from_ptr(name).to_string_lossy().into_owned();
            (self.xlib.XFree)(name.cast());
            Some(title)
        }
    }

    /// The window titled `title` of process `pid`, if it exists (mapped or not).
    pub fn window_of(&self, pid: u32, title: &str) -> Option<xlib::Window> {
        // SAFETY: a live display.
        let root = unsafe { (self.xlib.XDefaultRootWindow)(self.display) };
        let mut stack = self.children(root);
        while let Some(w) = stack.pop() {
            if self.pid(w) == Some(pid) && self.title(w).as_deref() == Some(title) {
                return Some(w);
            }
            stack.extend(self.children(w));
        }
        None
    }

    /// Whether the window is on screen (mapped, and its parents too).
    pub fn is_viewable(&self, window: xlib::Window) -> bool {
        // SAFETY: XWindowAttributes is plain data; XGetWindowAttributes fills it.
        unsafe {
            let mut attrs: xlib::XWindowAttributes = std::mem::zeroed();
            (self.xlib.XGetWindowAttributes)(self.display, window, &mut attrs) != 0
                && attrs.map_state == xlib::IsViewable
        }
    }

    /// Asks the window to close, as a window manager's close button does.
    pub fn close(&self, window: xlib::Window) {
        let mut data = xlib::ClientMessageData::new();
        data.set_long(0, self.atom("WM_DELETE_WINDOW") as _);
        data.set_long(1, xlib::CurrentTime as _);
        let message = xlib::XClientMessageEvent {
            type_: xlib::ClientMessage,
            serial: 0,
            send_event: xlib::True,
            display: self.display,
            window,
            message_type: self.atom("WM_PROTOCOLS"),
            format: 32,
            data,
        };
        let mut event = xlib::XEvent {
            client_message: message,
        };
        // SAFETY: a live display and a fully initialised event.
        unsafe {
            let sent = (self.xlib.XSendEvent)(
                self.display,
                window,
                xlib::False,
                xlib::NoEventMask,
                &mut event,
            );
            assert!(sent != 0, "XSendEvent WM_DELETE_WINDOW failed");
            (self.xlib.XSync)(self.display, xlib::False);
        }
    }
}

impl Drop for X {
    fn drop(&mut self) {
        // SAFETY: opened in `connect`, closed once.
        unsafe {
            (self.xlib.XCloseDisplay)(self.display);
        }
    }
}

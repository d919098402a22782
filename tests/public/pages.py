"""Reading the public pages as a person (or a screen reader) would: a small HTML tree.

Only the standard library's parser: enough to find elements by tag, id, name or class,
read their text, and follow labels to the inputs they name.
"""

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Element:
    def __init__(self, tag: str, attrs: dict, parent=None):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    def __repr__(self):
        return f"<{self.tag} {self.attrs}>"

    def get(self, name, default=None):
        return self.attrs.get(name, default)

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    @property
    def text(self) -> str:
        parts = []
        for child in self.children:
            parts.append(child if isinstance(child, str) else child.text)
        return " ".join(" ".join(parts).split())

    def iter(self):
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs) -> list["Element"]:
        found = []
        for element in self.iter():
            if tag and element.tag != tag:
                continue
            if cls and cls not in element.classes:
                continue
            if any(element.attrs.get(name.rstrip("_")) != value for name, value in attrs.items()):
                continue
            found.append(element)
        return found

    def find(self, tag: str | None = None, cls: str | None = None, **attrs) -> "Element | None":
        found = self.find_all(tag, cls, **attrs)
        return found[0] if found else None

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {name: value if value is not None else "" for name, value in attrs}, self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        element = Element(tag, {name: value if value is not None else "" for name, value in attrs}, self.current)
        self.current.children.append(element)

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(content: bytes | str) -> Element:
    builder = _TreeBuilder()
    builder.feed(content.decode() if isinstance(content, bytes) else content)
    builder.close()
    return builder.root


def page(response) -> Element:
    return parse(response.content)


# --- what a person would notice ----------------------------------------------------------


def html_lang(response) -> str:
    return page(response).find("html").get("lang")


def has_viewport_meta(response) -> bool:
    meta = page(response).find("meta", name="viewport")
    return meta is not None and "width=device-width" in meta.get("content", "")


LABEL_EXEMPT_TYPES = {"hidden", "submit", "button", "reset", "image"}


def inputs_without_labels(response) -> list[Element]:
    """Every form control a person fills in that no <label for=its id> names (the honeypot,
    hidden and buttons excepted); also a label whose target is not unique counts as missing."""
    doc = page(response)
    ids = [element.get("id") for element in doc.iter() if element.get("id")]
    labelled = {label.get("for") for label in doc.find_all("label") if label.get("for")}
    missing = []
    for element in doc.iter():
        if element.tag not in ("input", "select", "textarea"):
            continue
        if element.tag == "input" and element.get("type", "text") in LABEL_EXEMPT_TYPES:
            continue
        if element.get("name") == "website":  # the honeypot: hidden from people on purpose
            continue
        element_id = element.get("id")
        if not element_id or element_id not in labelled or ids.count(element_id) != 1:
            missing.append(element)
    return missing


def field_errors(response, name: str) -> str:
    """The error text shown next to the field `name` (its own error list)."""
    doc = page(response)
    errors = doc.find("ul", cls="errorlist", id=f"id_{name}_errors")
    return errors.text if errors else ""


def error_summary(response) -> str:
    summary = page(response).find("div", cls="error-summary")
    return summary.text if summary else ""


def field_value(response, name: str) -> str | list[str] | None:
    """What the re-rendered form shows in the field: text, textarea, checked boxes, selected option."""
    doc = page(response)
    controls = [e for e in doc.iter() if e.get("name") == name and e.tag in ("input", "textarea", "select")]
    if not controls:
        return None
    first = controls[0]
    if first.tag == "textarea":
        return "".join(c for c in first.children if isinstance(c, str)).strip("\n")
    if first.tag == "select":
        selected = [o.get("value") for o in first.find_all("option") if "selected" in o.attrs]
        return selected[0] if len(selected) == 1 else selected
    if first.get("type") in ("checkbox", "radio"):
        checked = [c.get("value") for c in controls if "checked" in c.attrs]
        return checked if first.get("type") == "checkbox" else (checked[0] if checked else None)
    return first.get("value", "")


def messages_shown(response) -> str:
    box = page(response).find("ul", cls="messages")
    return box.text if box else ""


def links(response) -> list[str]:
    doc = page(response)
    return [e.get("href") for e in doc.find_all("a") if e.get("href")] + [
        e.get("action") for e in doc.find_all("form") if e.get("action")
    ]

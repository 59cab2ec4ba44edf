"""A class: the repository of a registry that holds its submissions, `HOST[:PORT]/REPO`.

Its grammar lives in `buildtui.names`, below settings, which checks `class_ref` with it.
"""

from __future__ import annotations

from buildtui.names import ClassRef as ClassRef
from buildtui.names import ClassRefError as ClassRefError
from buildtui.names import parse_class_ref as parse_class_ref

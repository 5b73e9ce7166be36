"""Custom syntax of xDSL's math dialect, as xDSL prints it: `%1 = math.exp %0 : f32`."""

from __future__ import annotations

from xdsl.dialects import math

from tessel.dialects import op_shapes
from tessel.dialects.syntax import SyntaxFragment

SHAPED = op_shapes.classify(math.Math.operations)
GRAMMAR, ROOTS = op_shapes.grammar_for("math", SHAPED)


class MathCallbacks:
    """Builds math ops from their custom form (every math op has a shared shape)."""


for _root in ROOTS:
    setattr(MathCallbacks, _root, lambda self, children: op_shapes.build(self, SHAPED, children))

FRAGMENT = SyntaxFragment(
    name="math",
    grammar=GRAMMAR,
    roots=ROOTS,
    callbacks=MathCallbacks,
    custom_format_ops=frozenset(s.op_type for s in SHAPED.values()),
)

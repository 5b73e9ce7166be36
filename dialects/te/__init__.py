"""The te dialect: tensor expressions (placeholders, computes, reads) and their schedules as IR."""

from xdsl.ir import Dialect

from tessel.dialects.te import schedule_syntax, syntax
from tessel.dialects.te.ops import (
    REDUCERS,
    ComputeOp,
    IfThenElseOp,
    IntrinLowerOp,
    IntrinOp,
    PlaceholderOp,
    ReadOp,
    YieldOp,
)
from tessel.dialects.te.schedule_ops import SCHEDULE_OPS, THREAD_TAGS, AxisType, ScheduleOp, StageType

COMPUTE_OPS = (PlaceholderOp, ComputeOp, ReadOp, YieldOp, IfThenElseOp, IntrinOp, IntrinLowerOp)

Te = Dialect("te", [*COMPUTE_OPS, *SCHEDULE_OPS], [AxisType, StageType])

# Custom syntax fragments: the compute side (syntax.py) and the schedule (schedule_syntax.py).
FRAGMENTS: tuple = (syntax.FRAGMENT, schedule_syntax.FRAGMENT)

__all__ = [
    "FRAGMENTS",
    "COMPUTE_OPS",
    "REDUCERS",
    "SCHEDULE_OPS",
    "THREAD_TAGS",
    "AxisType",
    "ComputeOp",
    "IfThenElseOp",
    "IntrinLowerOp",
    "IntrinOp",
    "PlaceholderOp",
    "ReadOp",
    "ScheduleOp",
    "StageType",
    "Te",
    "YieldOp",
]

"""tessel.ops — the operator library (TVM's TOPI): a te compute declaration per graph op and its default
CPU schedule. `tessel.ops.conv2d(data, kernel, strides, padding)` builds te tensors; `compute_of(op, inputs)`
does it for a graph op; `schedule_group(outputs)` schedules a fused group."""

# The modules below register their computes and schedules on import; their __all__ is the Python API.
from tessel.ops import elementwise, nn, pool, reduce, transform
from tessel.ops.elementwise import *  # noqa: F403
from tessel.ops.nn import *  # noqa: F403
from tessel.ops.pool import *  # noqa: F403
from tessel.ops.reduce import *  # noqa: F403
from tessel.ops.registry import (
    BROADCAST_TAG,
    ELEMWISE_TAG,
    INJECTIVE_TAG,
    INTERNAL_TAG,
    OpsError,
    compute_of,
    register_compute,
    register_schedule,
    schedule_for,
    supported_ops,
)
from tessel.ops.schedule import divisor_at_most, schedule_group, schedule_injective
from tessel.ops.transform import *  # noqa: F403

__all__ = [
    "BROADCAST_TAG",
    "ELEMWISE_TAG",
    "INJECTIVE_TAG",
    "INTERNAL_TAG",
    "OpsError",
    "compute_of",
    "divisor_at_most",
    "register_compute",
    "register_schedule",
    "schedule_for",
    "schedule_group",
    "schedule_injective",
    "supported_ops",
]
__all__ += [*elementwise.__all__, *nn.__all__, *pool.__all__, *reduce.__all__, *transform.__all__]

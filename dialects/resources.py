"""Large weights as MLIR resource blobs: `dense_resource<w> : tensor<...>` plus a file-level section

    {-#
      dialect_resources: {
        builtin: {
          w: "0x04000000<little-endian bytes in hex>"
        }
      }
    #-}

so ops stay one short line each, and 100 MB of weights load as one hex token. A blob is
MLIR's format: a 4-byte little-endian alignment, then the raw element bytes.
"""

from __future__ import annotations

from collections.abc import Mapping

from xdsl.dialects import builtin
from xdsl.ir import Attribute, Operation

from tessel.dialects.literals import LiteralError

DEFAULT_INLINE_LIMIT = 1024
"""Dense constants of more bytes than this print as resources in the custom form."""


def encode_blob(data: bytes, alignment: int) -> str:
    """The quoted hex text of one blob: alignment (u32 little endian) then the data."""
    return '"0x' + alignment.to_bytes(4, "little").hex().upper() + data.hex().upper() + '"'


def decode_blob(text: str) -> bytes:
    """The data of a quoted `"0x..."` blob, without its alignment prefix."""
    if len(text) < 12:
        raise LiteralError("a resource blob needs a 4-byte alignment prefix")
    try:
        return bytes.fromhex(text[11:-1])
    except ValueError:
        raise LiteralError("a resource blob has an odd number of hex digits") from None


def resolve_resources(root: Operation, blobs: Mapping[str, bytes]) -> None:
    """Replace each op's `dense_resource<name>` property or attribute by the dense elements of its blob."""
    if not blobs:
        return
    for op in root.walk():
        for table in (op.properties, op.attributes):
            for key, value in list(table.items()):
                if isinstance(value, builtin.DenseResourceAttr) and value.resource_handle.data in blobs:
                    table[key] = _dense(value, blobs[value.resource_handle.data])


def _dense(resource: builtin.DenseResourceAttr, data: bytes) -> Attribute:
    shaped = resource.type
    element = shaped.get_element_type()
    count = 1
    for dim in shaped.get_shape():
        count *= dim
    size = element.compile_time_size * count  # pyright: ignore[reportAttributeAccessIssue]
    if len(data) != size:
        name = resource.resource_handle.data
        raise LiteralError(f"resource '{name}' has {len(data)} bytes but {shaped} needs {size}")
    return builtin.DenseIntOrFPElementsAttr(shaped, builtin.BytesAttr(data))  # pyright: ignore[reportArgumentType]

"""Literal values in IR text: strings with escapes, integers, hex-encoded floats, dense elements."""

from __future__ import annotations

import re
import struct

import numpy as np
from xdsl.dialects import builtin
from xdsl.ir import Attribute
from xdsl.utils.exceptions import VerifyException

_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{2})|(.))", re.DOTALL)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
_SCALAR = r"true|false|[-+]?(?:0x[0-9a-fA-F]+|[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|inf|nan)"
_DENSE_TOKEN = re.compile(rf"\s*(?:(\[)|(\])|(,)|({_SCALAR}|\(\s*(?:{_SCALAR})\s*,\s*(?:{_SCALAR})\s*\)))")
_MAX_DENSE_BYTES = 1 << 32
_FLOAT_BITS = {16: (np.uint16, np.float16), 32: (np.uint32, np.float32), 64: (np.uint64, np.float64)}


class LiteralError(ValueError):
    """A literal that is malformed or does not fit its type."""


def decode_string(token: str) -> str:
    """The value of a quoted string literal, with MLIR's escapes (\\n, \\t, \\", \\\\, and \\XX bytes of UTF-8)."""
    body = token[1:-1]
    if "\\" not in body:
        return body
    data = bytearray()
    position = 0
    for match in _ESCAPE.finditer(body):
        data += body[position : match.start()].encode()
        hex_byte, char = match.groups()
        if hex_byte is not None:
            data.append(int(hex_byte, 16))
        elif char in _SIMPLE_ESCAPES:
            data += _SIMPLE_ESCAPES[char].encode()
        else:
            raise LiteralError(f"unknown escape '\\{char}' in string (known: \\n \\t \\\" \\\\ \\XX)")
        position = match.end()
    data += body[position:].encode()
    try:
        return data.decode()
    except UnicodeDecodeError as err:
        raise LiteralError(f"string escapes do not form UTF-8 text: {err.reason} at byte {err.start}") from None


def parse_int(text: str) -> int:
    """A decimal or `0x` hexadecimal integer, optionally signed."""
    hexadecimal = text.lstrip("+-").startswith("0x")
    if len(text) > 1000:  # far beyond any integer type; also Python's int() digit limit
        raise LiteralError(f"integer literal of {len(text)} digits is too long")
    try:
        return int(text, 16 if hexadecimal else 10)
    except ValueError:
        raise LiteralError(f"'{text}' is not an integer") from None


def float_from_bits(bits: int, float_type: builtin.AnyFloat) -> float:
    """The float whose IEEE bit pattern is `bits` (how MLIR prints NaN and infinities)."""
    if isinstance(float_type, builtin.BFloat16Type):  # bf16 is the top half of an f32
        if not 0 <= bits <= 0xFFFF:
            raise LiteralError(f"0x{bits:x} has more bits than {float_type}")
        return float_from_bits(bits << 16, builtin.f32)
    kinds = _FLOAT_BITS.get(float_type.bitwidth)
    if kinds is None:
        raise LiteralError(f"hexadecimal float literals are not supported for {float_type}")
    unsigned, floating = kinds
    if not 0 <= bits <= np.iinfo(unsigned).max:
        raise LiteralError(f"0x{bits:x} has more bits than {float_type}")
    return float(np.array([bits], dtype=unsigned).view(floating)[0])


def _float(text: str, float_type: builtin.AnyFloat) -> float:
    return float_from_bits(parse_int(text), float_type) if text.lstrip("+-").startswith("0x") else float(text)


def _scalar_value(text: str, scalar_type: Attribute) -> float | int:
    if isinstance(scalar_type, builtin.AnyFloat):
        return _float(text, scalar_type)
    return 1 if text == "true" else 0 if text == "false" else parse_int(text)


def _element_value(text: str, element: Attribute, scalar_type: Attribute) -> float | int | tuple[float | int, ...]:
    """One element: a scalar, or `(re,im)` for complex element types."""
    is_pair = text.startswith("(")
    if is_pair != isinstance(element, builtin.ComplexType):
        raise LiteralError(f"'{text}' is not a {element} element")
    if is_pair:
        return tuple(_scalar_value(part.strip(), scalar_type) for part in text[1:-1].split(","))
    return _scalar_value(text, scalar_type)


def _nested_shape(body: str) -> tuple[list[int], list[str]]:
    """The shape of a nested-list literal `[[1, 2], [3, 4]]` and its scalars, in order."""
    scalars: list[str] = []
    counts: list[int] = []  # elements seen at each open depth
    shape: list[int | None] = []
    position = 0
    while position < len(body):
        match = _DENSE_TOKEN.match(body, position)
        if match is None:
            if body[position:].strip():
                raise LiteralError(f"unexpected '{body[position : position + 10].strip()}' in dense literal")
            break
        position = match.end()
        opening, closing, _, scalar = match.groups()
        if opening:
            if counts:
                counts[-1] += 1
            counts.append(0)
            if len(shape) < len(counts):
                shape.append(None)
        elif closing:
            if not counts:
                raise LiteralError("unbalanced ']' in dense literal")
            depth, count = len(counts) - 1, counts.pop()
            if shape[depth] is not None and shape[depth] != count:
                raise LiteralError(f"ragged dense literal: {count} elements where {shape[depth]} were expected")
            shape[depth] = count
        elif scalar:
            if counts:
                counts[-1] += 1
                if len(shape) > len(counts):
                    raise LiteralError("ragged dense literal: a scalar where a list was expected")
            scalars.append(scalar)
    if counts:
        raise LiteralError("unbalanced '[' in dense literal")
    return [s or 0 for s in shape], scalars


def read_dense(text: str, attr_type: Attribute) -> builtin.DenseIntOrFPElementsAttr:
    """`dense<...>` of a static tensor or vector type: nested lists, a splat, or a hex blob."""
    if not isinstance(attr_type, builtin.TensorType | builtin.VectorType):
        raise LiteralError(f"dense elements need a tensor or vector type, got {attr_type}")
    element = attr_type.get_element_type()
    shape = list(attr_type.get_shape())
    if any(dim < 0 for dim in shape):
        raise LiteralError(f"dense elements need a static shape, got {attr_type}")
    scalar_type = element.element_type if isinstance(element, builtin.ComplexType) else element
    if not isinstance(scalar_type, builtin.AnyFloat | builtin.IntegerType | builtin.IndexType):
        raise LiteralError(f"dense elements of {element} are not supported")
    try:
        element_size: int = element.compile_time_size  # pyright: ignore[reportAttributeAccessIssue]
    except NotImplementedError:
        raise LiteralError(f"dense elements of {element} are not supported (no packed layout)") from None
    count = int(np.prod(shape, dtype=object)) if shape else 1
    if count * element_size > _MAX_DENSE_BYTES:
        raise LiteralError(f"{attr_type} is too large for dense elements (over {_MAX_DENSE_BYTES >> 30} GiB)")
    body = text[len("dense<") : -1].strip()
    if body.startswith('"0x'):
        return _dense_hex(body, attr_type, element_size, count)
    if not body:  # `dense<>`, how xDSL prints zero elements
        if count != 0:
            raise LiteralError(f"empty dense literal but {attr_type} has {count} elements")
        return builtin.DenseIntOrFPElementsAttr(attr_type, builtin.BytesAttr(b""))  # pyright: ignore[reportArgumentType]
    literal_shape, scalars = _nested_shape(body)
    is_splat = len(scalars) == 1 and not body.startswith("[")
    if not is_splat and literal_shape != shape:
        raise LiteralError(f"dense literal has shape {literal_shape} but {attr_type} has shape {shape}")
    try:
        values = [_element_value(s, element, scalar_type) for s in scalars]  # pyright: ignore[reportArgumentType]
        return builtin.DenseIntOrFPElementsAttr.from_list(attr_type, values)  # pyright: ignore[reportArgumentType]
    except (VerifyException, ValueError, OverflowError, struct.error) as err:
        raise LiteralError(f"invalid dense literal for {attr_type}: {err}") from None


def _dense_hex(body: str, attr_type: Attribute, element_size: int, count: int) -> builtin.DenseIntOrFPElementsAttr:
    try:
        raw = bytes.fromhex(body[3:-1])
    except ValueError:
        raise LiteralError(f"invalid hexadecimal dense literal {body}") from None
    if len(raw) == element_size and count > 1:
        raw *= count  # a splat, stored expanded as DenseIntOrFPElementsAttr.from_list does
    if len(raw) != element_size * count:
        raise LiteralError(f"hexadecimal dense literal has {len(raw)} bytes but {attr_type} needs {element_size * count}")
    return builtin.DenseIntOrFPElementsAttr(attr_type, builtin.BytesAttr(raw))  # pyright: ignore[reportArgumentType]


def read_dense_array(element_type: Attribute, values: str) -> builtin.DenseArrayBase:
    """The values of `array<i64: 1, 2>` (after the colon) as a DenseArrayBase of `element_type`."""
    if not isinstance(element_type, builtin.IntegerType | builtin.AnyFloat):
        raise LiteralError(f"array<...> elements must be integers or floats, got {element_type}")
    texts = [v.strip() for v in values.split(",")] if values.strip() else []
    try:
        data = [_scalar_value(text, element_type) for text in texts]
        return builtin.DenseArrayBase.from_list(element_type, data)  # pyright: ignore[reportArgumentType]
    except NotImplementedError:
        raise LiteralError(f"array<...> of {element_type} is not supported (no packed layout)") from None
    except (VerifyException, ValueError, OverflowError, struct.error) as err:
        raise LiteralError(f"invalid array<{element_type}: ...> literal: {err}") from None

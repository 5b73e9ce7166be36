"""The IR text parser: one Lark LALR grammar (core + each dialect's fragment) building xDSL IR.

The grammar's callbacks run during the parse (Lark's embedded transformer), so no
parse tree is built: every reduction directly creates attributes, types, blocks and
operations. SSA names are resolved in region scopes as MLIR does, with forward
references patched when their definition appears.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import cast

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from xdsl.context import Context
from xdsl.dialects import builtin
from xdsl.dialects.builtin import LocationAttr
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.irdl import IRDLOperation
from xdsl.parser import Parser as XdslParser
from xdsl.parser.core import ForwardDeclaredValue
from xdsl.utils.exceptions import ParseError as XdslParseError

from tessel.dialects.attribute_syntax import AttributeCallbacks, symbol_name
from tessel.dialects.diagnostics import ParseError, SourceLocation
from tessel.dialects.literals import LiteralError, decode_string
from tessel.dialects.resources import decode_blob, resolve_resources
from tessel.dialects.syntax import SyntaxFragment
from tessel.dialects.type_parser import NESTING_DEPTH, TypeReader, TypeSyntaxError, balanced_brackets, delegate_to_xdsl


class _Scope:
    """The SSA names and block labels of one region; nested regions see their parents'."""

    __slots__ = ("values", "forward", "blocks", "forward_blocks", "parent", "entry")

    def __init__(self, parent: _Scope | None, entry: Block):
        self.values: dict[str, tuple[SSAValue, ...]] = {}
        self.forward: dict[str, list[tuple[int, ForwardDeclaredValue[Attribute], Token]]] = {}
        self.blocks: dict[str, Block] = {}
        self.forward_blocks: dict[str, Token] = {}
        self.parent = parent
        self.entry = entry

    def lookup(self, name: str) -> tuple[SSAValue, ...] | None:
        scope: _Scope | None = self
        while scope is not None:
            values = scope.values.get(name)
            if values is not None:
                return values
            scope = scope.parent
        return None


class IRCallbacks(AttributeCallbacks, Transformer[Token, object]):
    """The core grammar's build callbacks plus the services fragments use."""

    def __init__(self, ctx: Context):
        super().__init__()
        self.ctx = ctx
        self.types = TypeReader(ctx)
        self._delegated: dict[tuple[str, bool], Attribute] = {}
        self.reset("<string>", "")

    # ---- per-parse state
    def reset(self, filename: str, source: str) -> None:
        self.filename = filename
        self.source = source
        self.scope = _Scope(None, Block())
        self.locations: dict[Operation, SourceLocation] = {}
        self.pending_entry_args: list[tuple[Token, Attribute]] | None = None

    # ---- services for fragments
    def location(self, token: Token) -> SourceLocation:
        return SourceLocation(self.filename, token.line or 0, token.column or 0)

    def fail(self, message: str, token: Token) -> ParseError:
        return ParseError(message, self.location(token), self.source)

    def string_value(self, token: Token) -> str:
        try:
            return decode_string(str(token))
        except LiteralError as err:
            raise self.fail(str(err), token) from None

    def read_type(self, token: Token) -> Attribute:
        try:
            return self.types.read(str(token))
        except TypeSyntaxError as err:
            located = Token(token.type, token, token.start_pos, token.line, (token.column or 0) + err.offset)
            raise self.fail(str(err), located) from None

    def delegate(self, token: Token, *, as_type: bool = False) -> Attribute:
        """An attribute (or type) in a dialect's own syntax, read by xDSL's parser."""
        key = (str(token), as_type)
        cached = self._delegated.get(key)
        if cached is None:
            try:
                cached = delegate_to_xdsl(self.ctx, str(token), as_type=as_type)
            except TypeSyntaxError as err:
                raise self.fail(str(err), token) from None
            self._delegated[key] = cached
        return cached

    def use(self, token: Token, expected: Attribute | None) -> SSAValue:
        """The value a use `%name` or `%name#i` refers to, checked against its expected type."""
        text = str(token)
        name, _, index_text = text[1:].partition("#")
        index = int(index_text) if index_text else 0
        values = self.scope.lookup(name)
        if values is None:
            return self._forward_use(name, index, token, expected)
        if index >= len(values):
            raise self.fail(f"'%{name}' has {len(values)} result(s); index {index} is out of range", token)
        value = values[index]
        if expected is not None and value.type != expected:
            raise self.fail(f"type mismatch: '{text}' has type {value.type} but is used as {expected}", token)
        return value

    def uses(self, tokens: Sequence[Token] | None, types: Sequence[Attribute], where: Token, what: str) -> list[SSAValue]:
        tokens = tokens or ()
        if len(tokens) != len(types):
            raise self.fail(f"{what}: {len(tokens)} operand(s) but {len(types)} operand type(s)", where)
        return [self.use(tok, typ) for tok, typ in zip(tokens, types, strict=True)]

    def _forward_use(self, name: str, index: int, token: Token, expected: Attribute | None) -> SSAValue:
        if expected is None:
            raise self.fail(f"use of undefined value '%{name}' (its type cannot be inferred here)", token)
        for fwd_index, value, _ in self.scope.forward.get(name, ()):
            if fwd_index == index:
                if value.type != expected:
                    raise self.fail(f"type mismatch: '{token}' is used as {value.type} and as {expected}", token)
                return value
        value = ForwardDeclaredValue(expected)
        self.scope.forward.setdefault(name, []).append((index, value, token))
        return value

    def define(self, token: Token, values: Sequence[SSAValue]) -> None:
        """Bind `%name` to values in the current region, resolving earlier forward uses."""
        name = str(token)[1:]
        if "#" in name:
            raise self.fail(f"a definition cannot carry a result index: '{token}'", token)
        if name in self.scope.values:
            raise self.fail(f"redefinition of SSA value '%{name}'", token)
        self.scope.values[name] = tuple(values)
        for index, forward, use_token in self.scope.forward.pop(name, ()):
            if index >= len(values):
                raise self.fail(f"'%{name}' has {len(values)} result(s); index {index} is out of range", use_token)
            if values[index].type != forward.type:
                raise self.fail(
                    f"type mismatch: '{use_token}' is used as {forward.type} but defined as {values[index].type}",
                    use_token,
                )
            forward.replace_all_uses_with(values[index])
        if SSAValue.is_valid_name(name):
            for value in values:
                value.name_hint = name

    def block_ref(self, token: Token) -> Block:
        label = str(token)[1:]
        block = self.scope.blocks.get(label)
        if block is None:
            block = Block()
            self.scope.blocks[label] = block
            self.scope.forward_blocks[label] = token
        return block

    # ---- top level
    def start(self, children: list[object]) -> builtin.ModuleOp:
        *ops, blobs = children
        self._close_scope(self.scope, None)
        if len(ops) == 1 and isinstance(ops[0], builtin.ModuleOp):
            module = ops[0]
        else:
            module = builtin.ModuleOp(cast(list[Operation], ops))
        try:
            resolve_resources(module, cast(dict[str, bytes], blobs or {}))
        except LiteralError as err:
            raise ParseError(str(err), None, self.source) from None
        return module

    def file_metadata(self, children: list[tuple[Token, list[tuple[str, bytes]]] | None]) -> dict[str, bytes]:
        blobs: dict[str, bytes] = {}
        for group in children:
            if group is None:
                continue
            dialect, entries = group
            if str(dialect) != "builtin":
                raise self.fail(f"resources of dialect '{dialect}' are not supported (only builtin blobs)", dialect)
            blobs.update(entries)
        return blobs

    def resource_group(self, children: list[object]) -> tuple[Token, list[tuple[str, bytes]]]:
        dialect, *entries = children
        return cast(Token, dialect), [e for e in entries if e is not None]  # pyright: ignore[reportReturnType]

    def resource_entry(self, children: list[Token]) -> tuple[str, bytes]:
        key, blob = children
        name = self.string_value(key) if key.type == "STRING" else str(key)
        try:
            return name, decode_blob(str(blob))
        except LiteralError as err:
            raise self.fail(f"resource '{name}': {err}", blob) from None

    def _close_scope(self, scope: _Scope, parent: _Scope | None) -> None:
        if scope.forward_blocks:
            label, token = next(iter(scope.forward_blocks.items()))
            raise self.fail(f"reference to an undefined block '^{label}'", token)
        for name, uses in scope.forward.items():
            if parent is None:
                raise self.fail(f"use of undefined value '%{name}'", uses[0][2])
            parent.forward.setdefault(name, []).extend(uses)

    # ---- operations
    def operation(self, children: list[object]) -> Operation:
        results, (op, op_token), location = cast(
            tuple[list[tuple[Token, int]] | None, tuple[Operation, Token], Token | None], children
        )
        first = op_token
        if results:
            first = results[0][0]
            bound = sum(count for _, count in results)
            if bound != len(op.results):
                raise self.fail(f"'{op.name}' has {len(op.results)} result(s) but {bound} name(s) are bound", first)
            position = 0
            for token, count in results:
                self.define(token, op.results[position : position + count])
                position += count
        if location is not None:
            op.location = self.delegate_location(location)
        self.locations[op] = self.location(first)
        return op

    def delegate_location(self, token: Token) -> LocationAttr:
        try:
            parsed = XdslParser(self.ctx, str(token)).parse_optional_location()
        except XdslParseError as err:
            detail = str(err).strip().splitlines()[-1].strip()
            raise self.fail(f"invalid location '{token}': {detail}", token) from None
        if parsed is None:
            raise self.fail(f"invalid location '{token}'", token)
        return parsed

    def op_results(self, children: list[tuple[Token, int]]) -> list[tuple[Token, int]]:
        return children

    def op_result(self, children: list[Token | None]) -> tuple[Token, int]:
        name, count = children
        assert name is not None
        if count is None:
            return name, 1
        size = int(count) if len(count) < 10 else 0
        if size < 1:
            raise self.fail(f"result group '{name}:{count}' must have between 1 and 999999999 results", count)
        return name, size

    def lookup_op(self, name: str, token: Token) -> type[Operation]:
        op_type = self.ctx.get_optional_op(name)
        if op_type is not None:
            return op_type
        dialect, _, _ = name.partition(".")
        if dialect not in self.ctx.registered_dialect_names:
            known = ", ".join(sorted(self.ctx.registered_dialect_names))
            raise self.fail(f"unknown dialect '{dialect}' in operation '{name}' (known dialects: {known})", token)
        raise self.fail(f"unknown operation '{name}': dialect '{dialect}' has no such operation", token)

    def unknown_op_name(self, token: Token) -> Token:
        """Lexer hook: a bare name where an operation starts that no custom form knows."""
        name = str(token)
        if "." not in name:
            return token  # not an op name: Lark's own error says what was expected here
        if self.ctx.get_optional_op(name) is not None:
            generic = f'"{name}"(...) : (...) -> (...)'
            raise self.fail(f"'{name}' has no custom form in tessel; write it in generic form: {generic}", token)
        self.lookup_op(name, token)
        raise self.fail(f"unknown operation '{name}'", token)  # pragma: no cover - lookup_op raised

    def unknown_op(self, children: list[Token]) -> tuple[Operation, Token]:
        raise self.fail(f"expected an operation, got '{children[0]}'", children[0])

    def generic_op(self, children: list[object]) -> tuple[Operation, Token]:
        name_token, uses, successors, given_properties, regions, given_attributes, function_type = cast(
            tuple[
                Token,
                list[Token] | None,
                list[Block] | None,
                dict[str, Attribute] | None,
                list[Region] | None,
                dict[str, Attribute] | None,
                builtin.FunctionType,
            ],
            children,
        )
        name = self.string_value(name_token)
        op_type = self.lookup_op(name, name_token)
        operands = self.uses(uses, function_type.inputs.data, name_token, f"'{name}'")
        properties = dict(given_properties or {})
        attributes = dict(given_attributes or {})
        if issubclass(op_type, IRDLOperation):
            # like xDSL: properties written in the attribute dictionary are properties
            for prop in op_type.get_irdl_definition().properties:
                if prop in attributes and prop not in properties:
                    properties[prop] = attributes.pop(prop)
        op = op_type.create(
            operands=operands,
            result_types=function_type.outputs.data,
            properties=properties,
            attributes=attributes,
            successors=successors or (),
            regions=regions or (),
        )
        return op, name_token

    def value_uses(self, children: list[Token]) -> list[Token]:
        return children

    def successors(self, children: list[Token]) -> list[Block]:
        return [self.block_ref(token) for token in children]

    def properties(self, children: list[dict[str, Attribute]]) -> dict[str, Attribute]:
        return children[0]

    def regions(self, children: list[Region]) -> list[Region]:
        return children

    # ---- regions and blocks
    def region_open(self, children: list[Token]) -> _Scope:
        entry = Block()
        self.scope = _Scope(self.scope, entry)
        if self.pending_entry_args is not None:
            for token, arg_type in self.pending_entry_args:
                self.define(token, (entry.insert_arg(arg_type, len(entry.args)),))
            self.pending_entry_args = None
        return self.scope

    def region(self, children: list[object]) -> Region:
        scope = children[0]
        assert isinstance(scope, _Scope)
        entry_ops = [c for c in children[1:] if isinstance(c, Operation)]
        blocks = [c for c in children[1:] if isinstance(c, Block)]
        if entry_ops or scope.entry.args:
            scope.entry.add_ops(entry_ops)
            blocks.insert(0, scope.entry)
        # `{}` stays a region without blocks; `{ ^bb0: }` keeps its one empty block
        assert scope.parent is not None, "a region always opens inside the top-level scope"
        self.scope = scope.parent
        self._close_scope(scope, self.scope)
        return Region(blocks)

    def block_header(self, children: list[object]) -> Block:
        label_token, arguments = children
        assert isinstance(label_token, Token)
        label = str(label_token)[1:]
        block = self.scope.blocks.get(label)
        if block is None:
            block = Block()
            self.scope.blocks[label] = block
        elif self.scope.forward_blocks.pop(label, None) is None:
            raise self.fail(f"redefinition of block '^{label}'", label_token)
        if Block.is_valid_name(label) and not Block.is_default_block_name(label):
            block.name_hint = label
        for token, arg_type in arguments or ():  # pyright: ignore[reportGeneralTypeIssues]
            self.define(token, (block.insert_arg(arg_type, len(block.args)),))
        return block

    def block(self, children: list[object]) -> Block:
        block = children[0]
        assert isinstance(block, Block)
        block.add_ops(children[1:])  # pyright: ignore[reportArgumentType]
        return block

    def block_args(self, children: list[tuple[Token, Attribute] | None]) -> list[tuple[Token, Attribute]]:
        return [c for c in children if c is not None]

    def block_arg(self, children: list[object]) -> tuple[Token, Attribute]:
        return children[0], children[1]  # pyright: ignore[reportReturnType]

    def module_op(self, children: list[object]) -> tuple[Operation, Token]:
        keyword, symbol, attributes, region = children
        assert isinstance(keyword, Token) and isinstance(region, Region)
        if not region.blocks:
            region.add_block(Block())
        name = builtin.StringAttr(symbol_name(symbol)) if isinstance(symbol, Token) else None
        module = builtin.ModuleOp(region, attributes or {}, name)  # pyright: ignore[reportArgumentType]
        return module, keyword


def _fragments() -> tuple[SyntaxFragment, ...]:
    from tessel.dialects import arith_syntax, func_syntax, graph, loop, math_syntax, te

    return (func_syntax.FRAGMENT, arith_syntax.FRAGMENT, math_syntax.FRAGMENT, *graph.FRAGMENTS, *te.FRAGMENTS, *loop.FRAGMENTS)


@cache
def _grammar(fragments: tuple[SyntaxFragment, ...]) -> str:
    core = resources.files("tessel.dialects").joinpath("core.lark").read_text()
    core = core.replace("{balanced}", balanced_brackets(NESTING_DEPTH))
    roots = ["module_op", *(root for fragment in fragments for root in fragment.roots)]
    parts = [core, "?custom_op: " + " | ".join(roots)]
    parts += [fragment.grammar for fragment in fragments]
    return "\n".join(parts)


@dataclass(frozen=True)
class ParsedModule:
    """A parsed module and the source location of each of its ops."""

    module: builtin.ModuleOp
    locations: dict[Operation, SourceLocation]


@dataclass
class IRParser:
    """Parses IR text into a builtin.module; owns one Lark parser and its callbacks."""

    ctx: Context
    fragments: tuple[SyntaxFragment, ...] = field(default_factory=_fragments)

    def __post_init__(self) -> None:
        callbacks_type = type("TesselIRCallbacks", (*(f.callbacks for f in self.fragments), IRCallbacks), {})
        self.callbacks: IRCallbacks = callbacks_type(self.ctx)
        self.lark = Lark(
            _grammar(self.fragments),
            parser="lalr",
            transformer=self.callbacks,
            lexer_callbacks={"UNKNOWN_OP_NAME": self.callbacks.unknown_op_name},
            maybe_placeholders=True,
            cache=True,  # Lark keeps the analysed tables in the temp dir, keyed by grammar hash
        )
        self._expected_names = {t.name: _describe_terminal(t.name, t.pattern) for t in self.lark.terminals}

    @property
    def custom_format_ops(self) -> frozenset[type[Operation]]:
        return frozenset(op for fragment in self.fragments for op in fragment.custom_format_ops) | {builtin.ModuleOp}

    def parse(self, text: str, filename: str = "<string>") -> builtin.ModuleOp:
        """Parse a whole module (custom or generic form); ParseError if the text is malformed."""
        return self.parse_located(text, filename).module

    def parse_located(self, text: str, filename: str = "<string>") -> ParsedModule:
        """Parse a module and remember where each op was written (not reentrant: one parse at a time)."""
        self.callbacks.reset(filename, text)
        try:
            module = self.lark.parse(text)
            assert isinstance(module, builtin.ModuleOp)
            return ParsedModule(module, self.callbacks.locations)
        except UnexpectedInput as err:
            raise self._syntax_error(err, filename, text) from None
        finally:
            self.callbacks.reset("<string>", "")  # hold no IR between parses

    def _syntax_error(self, err: UnexpectedInput, filename: str, text: str) -> ParseError:
        line, column = err.line, err.column
        if isinstance(err, UnexpectedCharacters):
            message = f"unexpected character '{text[err.pos_in_stream]}'"
            expected = err.allowed
        elif isinstance(err, UnexpectedToken):
            token = err.token
            found = "end of input" if token.type == "$END" else f"'{token}'"
            message = f"unexpected {found}"
            expected = err.expected
            if token.type == "$END":
                line, column = _end_position(text)
        else:
            assert isinstance(err, UnexpectedEOF)
            message, expected = "unexpected end of input", err.expected
            line, column = _end_position(text)
        message += "; expected " + self._describe_expected(expected)
        return ParseError(message, SourceLocation(filename, line, column), text)

    def _describe_expected(self, expected: Iterable[str]) -> str:
        words = sorted({self._expected_names.get(name, name) for name in expected if name != "$END"})
        if not words:
            return "end of input"
        if len(words) > 10:
            words = words[:10] + ["..."]
        return ", ".join(words)


def _end_position(text: str) -> tuple[int, int]:
    lines = text.splitlines() or [""]
    return len(lines), len(lines[-1]) + 1


_TERMINAL_WORDS = {
    "SSA_NAME": "an SSA value (%name)",
    "BLOCK_NAME": "a block label (^name)",
    "SYMBOL_REF": "a symbol (@name)",
    "BARE_ID": "an identifier",
    "UNKNOWN_OP_NAME": "an operation",
    "STRING": "a string",
    "FLOAT": "a float",
    "INT": "an integer",
    "BUILTIN_TYPE": "a type",
    "SHAPED_TYPE": "a type",
    "DIALECT_TYPE": "a type",
    "DENSE": "dense<...>",
    "DENSE_HEX": "dense<...>",
    "HEX_BLOB": 'a hex blob "0x..."',
    "DENSE_RESOURCE": "dense_resource<...>",
    "ARRAY_ATTR": "array<...>",
    "OPAQUE_ATTR": "an attribute",
    "LOCATION": "loc(...)",
    "SCALAR_FLAG": "fastmath<...> or overflow<...>",
    "FUNC_VISIBILITY": "a visibility (private, public, nested)",
}


def _describe_terminal(name: str, pattern: object) -> str:
    if name in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[name]
    if name.startswith("KW_"):
        return "an operation"
    value = getattr(pattern, "value", name)
    return f"'{value}'" if type(pattern).__name__ == "PatternStr" else name.lower()

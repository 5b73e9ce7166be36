"""Unit tests of --split-input-file chunking and --verify-diagnostics matching."""

from __future__ import annotations

import pytest

import tessel
from tessel.dialects.diagnostics import IRError, ParseError, SourceLocation, VerifyError
from tessel.tools.diagnostics_check import check_diagnostics, expectations
from tessel.tools.split_input import split_input

MARKER = "// -----"


def error_at(line: int, message: str, column: int = 1) -> IRError:
    return ParseError(message, SourceLocation("f.mlir", line, column), None)


# ---- split_input


def test_no_marker_is_one_chunk() -> None:
    text = "a\nb\n"
    assert split_input(text, MARKER) == [text]


def test_chunks_keep_their_line_numbers() -> None:
    text = "one\ntwo\n// -----\nthree\n// -----\nfour\nfive\n"
    chunks = split_input(text, MARKER)
    assert len(chunks) == 3
    original = text.splitlines()
    for chunk in chunks:
        for number, line in enumerate(chunk.splitlines(), start=1):
            if line:
                assert original[number - 1] == line
    assert chunks[1].splitlines()[3] == "three"
    assert chunks[2].splitlines()[5:] == ["four", "five"]


def test_chunks_hold_only_their_own_lines() -> None:
    chunks = split_input("one\n// -----\ntwo\n", MARKER)
    assert [chunk.strip() for chunk in chunks] == ["one", "two"]
    assert all(MARKER not in chunk for chunk in chunks)


def test_padding_is_blank_lines() -> None:
    chunks = split_input("one\n// -----\ntwo\n", MARKER)
    assert chunks[1] == "\n\ntwo\n"


def test_marker_with_trailing_text_or_spaces_splits() -> None:
    assert len(split_input("a\n// ----- second case\nb\n", MARKER)) == 2
    assert len(split_input("a\n  // -----  \nb\n", MARKER)) == 2


def test_marker_with_windows_line_ending_splits() -> None:
    chunks = split_input("a\r\n// -----\r\nb\r\n", MARKER)
    assert [chunk.strip() for chunk in chunks] == ["a", "b"]


def test_text_resembling_the_marker_does_not_split() -> None:
    for text in ["a\n// ------\nb\n", "a\n// --- --\nb\n", 'a\n"x" // -----\nb\n']:
        assert split_input(text, MARKER) == [text]


def test_marker_at_start_and_end_gives_empty_chunks() -> None:
    chunks = split_input("// -----\na\n// -----\n", MARKER)
    assert len(chunks) == 3
    assert chunks[0].strip() == "" and chunks[2].strip() == ""
    assert chunks[1] == "\na\n"


def test_parse_errors_in_chunks_carry_whole_file_lines() -> None:
    text = '"test.op"() : () -> ()\n// -----\n"test.op"() : () -> ()\n\n"foo.bar"() : () -> ()\n'
    chunk = split_input(text, MARKER)[1]
    with pytest.raises(tessel.ParseError) as info:
        tessel.parse(chunk, "f.mlir")
    assert info.value.location == SourceLocation("f.mlir", 5, 1)
    assert info.value.render().splitlines()[1] == '"foo.bar"() : () -> ()'


# ---- expectations


@pytest.mark.parametrize(
    ("comment", "target"),
    [
        ("// expected-error {{m}}", 3),
        ("// expected-error@+1 {{m}}", 4),
        ("// expected-error@+2 {{m}}", 5),
        ("// expected-error@-1 {{m}}", 2),
        ("// expected-error@above {{m}}", 2),
        ("// expected-error@below {{m}}", 4),
    ],
)
def test_expectation_target_line(comment: str, target: int) -> None:
    (expectation,) = expectations(f"one\ntwo\n{comment}\nfour\n")
    assert (expectation.line, expectation.comment_line, expectation.message) == (target, 3, "m")


def test_expectation_message_is_text_between_braces() -> None:
    (expectation,) = expectations("// expected-error@+1 {{type mismatch: '%b' has type f32}}\n")
    assert expectation.message == "type mismatch: '%b' has type f32"


def test_several_expectations_on_one_line() -> None:
    found = expectations("x // expected-error {{first}} expected-error {{second}}\n")
    assert [(e.line, e.message) for e in found] == [(1, "first"), (1, "second")]


def test_text_without_expectations() -> None:
    assert expectations('"test.op"() : () -> ()\n// a comment {{not an expectation}}\n') == []


# ---- check_diagnostics

TEXT = "// expected-error@+1 {{unknown dialect 'foo'}}\n\"foo.bar\"() : () -> ()\n"


def test_matching_error_gives_no_problems() -> None:
    assert check_diagnostics(TEXT, "f.mlir", [error_at(2, "unknown dialect 'foo' in operation 'foo.bar'")]) == []


def test_no_errors_and_no_expectations_gives_no_problems() -> None:
    assert check_diagnostics('"test.op"() : () -> ()\n', "f.mlir", []) == []


def test_unmet_expectation() -> None:
    problems = check_diagnostics(TEXT, "f.mlir", [])
    assert problems == ["f.mlir:1: error: expected error \"unknown dialect 'foo'\" on line 2 was not produced"]


def test_unexpected_error_is_reported_rendered() -> None:
    error = ParseError("boom", SourceLocation("f.mlir", 1, 3), '"test.op"() : () -> ()\n')
    problems = check_diagnostics('"test.op"() : () -> ()\n', "f.mlir", [error])
    assert problems == ["unexpected error: " + error.render()]
    assert problems[0].startswith("unexpected error: f.mlir:1:3: error: boom\n")


def test_error_on_another_line_does_not_match() -> None:
    problems = check_diagnostics(TEXT, "f.mlir", [error_at(1, "unknown dialect 'foo'")])
    assert len(problems) == 2
    assert problems[0].startswith("unexpected error: f.mlir:1:1: error: unknown dialect 'foo'")
    assert "was not produced" in problems[1]


def test_message_must_contain_expected_text() -> None:
    problems = check_diagnostics(TEXT, "f.mlir", [error_at(2, "unknown operation 'foo.bar'")])
    assert len(problems) == 2
    assert problems[0].startswith("unexpected error:")
    assert problems[1].endswith("on line 2 was not produced")


def test_each_expectation_matches_one_error() -> None:
    text = "// expected-error@+1 {{dup}}\nx\n"
    problems = check_diagnostics(text, "f.mlir", [error_at(2, "dup one"), error_at(2, "dup two")])
    assert problems == ["unexpected error: f.mlir:2:1: error: dup two"]


def test_two_expectations_for_two_errors_on_one_line() -> None:
    text = "x // expected-error {{first}} expected-error {{second}}\n"
    assert check_diagnostics(text, "f.mlir", [error_at(1, "the second"), error_at(1, "the first")]) == []


def test_error_without_location_is_unexpected() -> None:
    error = VerifyError("no place")
    assert check_diagnostics("", "f.mlir", [error]) == ["unexpected error: error: no place"]

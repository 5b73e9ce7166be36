"""graph.constant: a tensor literal (weights), printed inline when small and as a named resource when large."""

from __future__ import annotations

from typing import ClassVar, cast

import numpy as np
from xdsl.dialects import builtin
from xdsl.irdl import (
    irdl_op_definition,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.printer import Printer
from xdsl.traits import Pure

from tessel.dialects.graph.base import (
    GraphOp,
    OpPatternKind,
    tensor_type,
)
from tessel.dialects.graph.dtypes import element_type as dtype_element_type
from tessel.dialects.graph.dtypes import numpy_dtype
from tessel.dialects.printer import IRPrinter

IntArray = builtin.ArrayAttr[builtin.IntegerAttr]


@irdl_op_definition
class ConstantOp(GraphOp):
    """A tensor literal (weights): `%w = graph.constant dense<...> : tensor<...>`."""

    PATTERN_KIND: ClassVar[OpPatternKind] = OpPatternKind.OPAQUE
    name = "graph.constant"
    value = prop_def(builtin.DenseIntOrFPElementsAttr | builtin.DenseResourceAttr)
    result = result_def(builtin.TensorType)
    traits = traits_def(Pure())

    def __init__(self, value: builtin.DenseIntOrFPElementsAttr | builtin.DenseResourceAttr):
        super().__init__(result_types=[value.get_type()], properties={"value": value})

    @staticmethod
    def from_array(array: np.ndarray, element_type: builtin.IntegerType | builtin.AnyFloat | None = None) -> ConstantOp:
        """A constant holding a numpy array; the element type defaults to the array's (f32, f64, i32, i64, ...)."""
        element = dtype_element_type(array.dtype) if element_type is None else element_type
        tensor = builtin.TensorType(element, array.shape)
        data = np.ascontiguousarray(array, dtype=numpy_dtype(element).newbyteorder("<"))
        if element == builtin.i1:
            data = np.where(data, -1, 0).astype(np.int8)  # xDSL stores i1 true as all ones
        return ConstantOp(builtin.DenseIntOrFPElementsAttr(tensor, builtin.BytesAttr(data.tobytes())))

    def infer_result_types(self) -> list[builtin.TensorType]:
        value_type = self.value.get_type()
        return [tensor_type(value_type, f"{self.name}: value")]

    def evaluate(self, *inputs: np.ndarray) -> tuple[np.ndarray, ...]:
        if not isinstance(self.value, builtin.DenseIntOrFPElementsAttr):
            raise NotImplementedError(f"{self.name}: dense_resource values cannot be evaluated (no blob storage yet)")
        tensor = cast(builtin.TensorType, self.value.get_type())
        dtype = numpy_dtype(tensor.element_type)
        storage = np.dtype(np.int8) if dtype == np.bool_ else dtype
        array = np.frombuffer(self.value.data.data, dtype=storage.newbyteorder("<")).reshape(tensor.get_shape())
        return (array.astype(dtype.newbyteorder("=")),)

    def print(self, printer: Printer) -> None:
        if self.attributes:
            printer.print_string(" ")
            printer.print_attr_dict(self.attributes)
        printer.print_string(" ")
        if isinstance(printer, IRPrinter):  # large weights go to the resource section
            printer.print_weights(self.value, self.results[0].name_hint)
        else:
            printer.print_attribute(self.value)

// A small scalar kernel: tessel-opt parses it, verifies it, runs the pipeline, prints it.
func.func @saxpy_step(%a: f32, %x: f32, %y: f32) -> f32 {
  %ax = arith.mulf %a, %x : f32
  %ax_again = arith.mulf %a, %x : f32
  %unused = math.exp %ax_again : f32
  %r = arith.addf %ax, %y fastmath<fast> : f32
  func.return %r : f32
}

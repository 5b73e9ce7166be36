// RUN: tessel-opt %s --split-input-file --verify-diagnostics

// Stage operands carry no type in the custom form: it comes from their definition.
func.func @stage_before_definition(%A: tensor<8xf32>) {
  %B = te.compute "B" (%i) < (8) {
    %a = te.read %A[%i] : tensor<8xf32>
    te.yield %a : f32
  } : tensor<8xf32>
  te.schedule {
    %x = te.axes %B
    // expected-error@+1 {{stage %BL must be defined before the schedule uses it}}
    te.compute_at %BL at %B %x
    %BL = te.cache_write %B "local"
  }
  func.return
}

// -----

func.func @undefined_stage() {
  te.schedule {
    // expected-error@+1 {{stage %C must be defined before the schedule uses it}}
    te.compute_inline %C
  }
  func.return
}

// -----

func.func @fewer_extents_than_names(%A: tensor<8x8xf32>) {
  // expected-error@+1 {{te.compute: 2 index name(s) but 1 extent(s)}}
  %B = te.compute "B" (%i, %j) < (8) {
    %a = te.read %A[%i, %j] : tensor<8x8xf32>
    te.yield %a : f32
  } : tensor<8x8xf32>
  func.return
}

// -----

func.func @extent_not_the_result_dim(%A: tensor<8x8xf32>) {
  // expected-error@+1 {{te.compute: extent 4 of output index %j does not match tensor<8x8xf32> (dim 1 is 8)}}
  %B = te.compute "B" (%i, %j) < (8, 4) {
    %a = te.read %A[%i, %j] : tensor<8x8xf32>
    te.yield %a : f32
  } : tensor<8x8xf32>
  func.return
}

// -----

func.func @unknown_reducer(%A: tensor<8xf32>) {
  %s = te.compute "s" () < () reduce (%k) < (8) {
    %a = te.read %A[%k] : tensor<8xf32>
    // expected-error@+1 {{te.yield: unknown reducer 'mean'; expected one of sum, prod, max, min}}
    te.yield mean %a : f32
  } : tensor<f32>
  func.return
}

// -----

func.func @float_identity_of_integers(%A: tensor<8xi32>) {
  %s = te.compute "s" () < () reduce (%k) < (8) {
    %a = te.read %A[%k] : tensor<8xi32>
    // expected-error@+1 {{float literal needs a float type, got i32}}
    te.yield sum %a identity 0.5 : i32
  } : tensor<i32>
  func.return
}

// -----

te.intrin @undefined_output {
  %w = te.placeholder "w" : tensor<8xf32>
  %y = te.compute "y" (%i) < (8) {
    %a = te.read %w[%i] : tensor<8xf32>
    te.yield %a : f32
  } : tensor<8xf32>
  // expected-error@+1 {{te.intrin_lower: the output %out must be defined before te.intrin_lower names it}}
  te.intrin_lower %out compute @copy(%w, %y)
}

// -----

func.func @axis_of_a_stage(%A: tensor<8xf32>) {
  te.schedule {
    // expected-error@+1 {{type mismatch: '%A' has type tensor<8xf32> but is used as !te.axis}}
    te.parallel %A %A
  }
  func.return
}

// -----

// The verifier still checks what parses.
func.func @reduction_without_reducer(%A: tensor<8xf32>) {
  // expected-error@+1 {{has reduction axes, so te.yield needs a reducer (sum, prod, max, min)}}
  %s = te.compute "s" () < () reduce (%k) < (8) {
    %a = te.read %A[%k] : tensor<8xf32>
    te.yield %a : f32
  } : tensor<f32>
  func.return
}

// -----

func.func @unknown_thread(%A: tensor<8xf32>) {
  te.schedule {
    %i = te.axes %A
    // expected-error@+1 {{unknown thread 'threadIdx.w'; expected one of blockIdx.x}}
    te.bind %A %i "threadIdx.w"
  }
  func.return
}

// -----

func.func @storage_align_offset(%A: tensor<8xf32>) {
  te.schedule {
    %i = te.axes %A
    // expected-error@+1 {{the offset must lie in [0, factor), got 32 for factor 32}}
    te.storage_align %A %i factor 32 offset 32
  }
  func.return
}

// -----

// expected-error@+1 {{te.intrin @no_lowering: the body must end in te.intrin_lower}}
te.intrin @no_lowering {
  %w = te.placeholder "w" : tensor<8xf32>
}

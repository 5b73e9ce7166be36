// A ResNet-style block at the graph level: conv -> bias -> relu -> conv -> residual add -> relu,
// then global pooling and a dense classifier. `tessel-opt -p fuse-ops` groups it into kernels.
func.func @cnn_block(%x: tensor<1x8x16x16xf32>, %w1: tensor<8x8x3x3xf32>, %b1: tensor<8x1x1xf32>,
                     %w2: tensor<8x8x3x3xf32>, %fc: tensor<10x8xf32>) -> tensor<1x10xf32> {
  %c1 = graph.conv2d %x, %w1 {padding = [1, 1, 1, 1]} : (tensor<1x8x16x16xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x16x16xf32>
  %a1 = graph.add %c1, %b1 : (tensor<1x8x16x16xf32>, tensor<8x1x1xf32>) -> tensor<1x8x16x16xf32>
  %r1 = graph.relu %a1 : tensor<1x8x16x16xf32>
  %c2 = graph.conv2d %r1, %w2 {padding = [1, 1, 1, 1]} : (tensor<1x8x16x16xf32>, tensor<8x8x3x3xf32>) -> tensor<1x8x16x16xf32>
  %s = graph.add %c2, %x : tensor<1x8x16x16xf32>
  %r2 = graph.relu %s : tensor<1x8x16x16xf32>
  %p = graph.global_avg_pool2d %r2 : (tensor<1x8x16x16xf32>) -> tensor<1x8x1x1xf32>
  %f = graph.flatten %p : (tensor<1x8x1x1xf32>) -> tensor<1x8xf32>
  %y = graph.dense %f, %fc : (tensor<1x8xf32>, tensor<10x8xf32>) -> tensor<1x10xf32>
  func.return %y : tensor<1x10xf32>
}

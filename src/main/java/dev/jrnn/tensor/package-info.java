/**
 * Strided float32 tensors and the GEMM that feeds the recurrent layers.
 *
 * <p>A {@link dev.jrnn.tensor.Tensor} is a view (shape, strides, offset) over a {@code float[]}
 * storage; views share storage, copies do not. {@link dev.jrnn.tensor.Gemm} multiplies 2-D views.
 * This package depends only on {@code java.base} (and, optionally and only through
 * {@code dev.jrnn.tensor.internal}, on {@code jdk.incubator.vector}).
 */
package dev.jrnn.tensor;

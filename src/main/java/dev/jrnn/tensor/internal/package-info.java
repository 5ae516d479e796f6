/**
 * Kernels behind {@code dev.jrnn.tensor}: scalar and Vector API GEMM micro-kernels, packing, the
 * worker pool, fast float math, and SIMD path selection ({@link dev.jrnn.tensor.internal.Simd}).
 *
 * <p>Not exported from the module; nothing here is API. Classes whose names start with
 * {@code Vector} reference {@code jdk.incubator.vector} and are only ever loaded after
 * {@link dev.jrnn.tensor.internal.Simd#vectorEnabled()} returned {@code true}.
 */
package dev.jrnn.tensor.internal;

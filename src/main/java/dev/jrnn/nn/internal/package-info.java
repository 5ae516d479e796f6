/**
 * Raw-array kernels of the recurrent layers: per-step gate math, dropout masks, and the bridge to
 * the tensor GEMM entry points. Not exported; nothing here is API.
 */
package dev.jrnn.nn.internal;

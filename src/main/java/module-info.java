/**
 * jrnn: recurrent layers that behave exactly like PyTorch's {@code torch.nn.RNN}, {@code LSTM} and
 * {@code GRU}, in pure Java with zero runtime dependencies.
 *
 * <p>The Vector API ({@code jdk.incubator.vector}) is an optional dependency: when the JVM is
 * started with {@code --add-modules jdk.incubator.vector} the SIMD kernels are used, otherwise a
 * scalar {@link Math#fma} path runs. No class that touches the Vector API is loaded without it.
 *
 * <p>Only API packages are exported; packages named {@code *.internal} are implementation detail.
 */
module dev.jrnn {
    requires static jdk.incubator.vector;

    exports dev.jrnn.tensor;
    exports dev.jrnn.nn;
    exports dev.jrnn.io;
    exports dev.jrnn.optim;
    exports dev.jrnn.loss;
    exports dev.jrnn.train;
    exports dev.jrnn.interop;
}

package dev.jrnn.nn;

import dev.jrnn.tensor.Tensor;
import java.util.Objects;

/**
 * A recurrent layer with a linear head: {@code logits = head(readout(rnn(x)))}, the usual sequence
 * classifier (or regressor), with forward and backward wired so that the user writes no index math.
 *
 * <p><b>Parameters</b> are the layer's under {@code rnn.} and the head's under {@code head.}
 * (e.g. {@code rnn.weight_ih_l0}, {@code head.weight}), the state-dict names of the torch module
 * <pre>{@code
 * class Net(nn.Module):
 *     def __init__(self): super().__init__(); self.rnn = nn.LSTM(...); self.head = nn.Linear(D * H, C)
 * }</pre>
 * train/eval, {@link #loadStateDict} and {@link #generators()} reach both.
 *
 * <p><b>Shapes.</b> input as the layer's batched forward; logits {@code (N, C)}.
 *
 * <pre>{@code
 * SequenceClassifier model = new SequenceClassifier(rnn, new Linear(2 * H, C, seed));
 * SequenceClassifier.Output out = model.forward(x);                 // readout: final states
 * LossOutput loss = CrossEntropyLoss.of().forward(out.logits(), y);
 * out.backward(loss.backward());                                    // accumulates every gradient
 * }</pre>
 *
 * <p>Not thread-safe while training.
 *
 * <p>Thread safety: as its recurrent layer and {@link Linear} head: evaluation-mode forwards only read the
 * parameters and are safe from many threads; training (forward with a graph, backward) is for one thread at a
 * time.
 */
public final class SequenceClassifier extends Module {

    private final RNNBase rnn;
    private final Linear head;

    /**
     * @param rnn the recurrent layer, {@link RNN}, {@link LSTM} (the readout sees {@code h_n}; {@code c_n} gets
     *     no gradient) or {@link GRU}; its parameters are shared, not copied
     * @param head a linear layer whose in_features equal the readout's features ({@code D·H_out} for final states)
     * @throws IllegalArgumentException if the head's in_features do not match {@code D·H_out}
     */
    public SequenceClassifier(RNNBase rnn, Linear head) {
        this.rnn = registerChild("rnn", Objects.requireNonNull(rnn, "rnn"));
        this.head = registerChild("head", Objects.requireNonNull(head, "head"));
        int f = Readout.finalStates(rnn.config()).numFeatures();
        if (head.inFeatures() != f) {
            throw new IllegalArgumentException("head.in_features must be D·H_out = " + f + ", got " + head.inFeatures());
        }
    }

    /** {@return the recurrent layer} */
    public RNNBase rnn() {
        return rnn;
    }

    /** {@return the head} */
    public Linear head() {
        return head;
    }

    /**
     * {@return logits from the top layer's final states of both directions}
     *
     * @param input the layer's batched input; not modified
     */
    public Output forward(Tensor input) {
        return forward(input, Readout.finalStates(rnn.config()));
    }

    /**
     * {@return logits from the given readout}
     *
     * @param input the layer's batched input; not modified
     * @param readout e.g. {@link Readout#lastValid(RNNConfig, int[])} for padded batches
     * @throws IllegalArgumentException if the readout's features do not match the head
     */
    public Output forward(Tensor input, Readout readout) {
        Objects.requireNonNull(readout, "readout");
        if (readout.numFeatures() != head.inFeatures()) {
            throw new IllegalArgumentException("readout gives " + readout.numFeatures() + " features, the head takes "
                    + head.inFeatures());
        }
        Recurrent out = forwardRnn(input);
        Tensor features = readout.features(out.output(), out.hN());
        return new Output(out, readout, features, head.forward(features));
    }

    /** One recurrent forward, whatever its output class: the tensors and the way back. */
    private interface Recurrent {
        Tensor output();

        Tensor hN();

        boolean hasGraph();

        /** Backward from the output and h_n gradients (either may be null); returns ∂loss/∂input. */
        Tensor backward(Tensor gradOutput, Tensor gradHn);
    }

    private Recurrent forwardRnn(Tensor input) {
        if (rnn instanceof LSTM lstm) {
            LSTMOutput o = lstm.forward(input);
            return new Recurrent() {
                public Tensor output() {
                    return o.output();
                }

                public Tensor hN() {
                    return o.hN();
                }

                public boolean hasGraph() {
                    return o.hasGraph();
                }

                public Tensor backward(Tensor gradOutput, Tensor gradHn) {
                    return o.backward(gradOutput, gradHn, null).input();   // c_n gets no gradient
                }
            };
        }
        // RNNBase is sealed: the other two modes both return an RNNOutput.
        RNNOutput o = rnn instanceof RNN r ? r.forward(input) : ((GRU) rnn).forward(input);
        return new Recurrent() {
            public Tensor output() {
                return o.output();
            }

            public Tensor hN() {
                return o.hN();
            }

            public boolean hasGraph() {
                return o.hasGraph();
            }

            public Tensor backward(Tensor gradOutput, Tensor gradHn) {
                return o.backward(gradOutput, gradHn).input();
            }
        };
    }

    @Override
    public SequenceClassifier train() {
        super.train();
        return this;
    }

    @Override
    public SequenceClassifier eval() {
        super.eval();
        return this;
    }

    @Override
    public String toString() {
        return "SequenceClassifier[rnn=" + rnn + ", head=" + head + "]";
    }

    /** One forward's result: the logits and the way back. One backward per forward. */
    public final class Output {

        private final Recurrent rnnOutput;
        private final Readout readout;
        private final Tensor features;  // (N, F)
        private final Tensor logits;    // (N, C)

        private Output(Recurrent rnnOutput, Readout readout, Tensor features, Tensor logits) {
            this.rnnOutput = rnnOutput;
            this.readout = readout;
            this.features = features;
            this.logits = logits;
        }

        /** {@return the logits {@code (N, C)}} */
        public Tensor logits() {
            return logits;
        }

        /** {@return the head's input {@code (N, F)}} */
        public Tensor features() {
            return features;
        }

        /** {@return the recurrent layer's output (see the layer's forward)} */
        public Tensor rnnOutput() {
            return rnnOutput.output();
        }

        /** {@return the recurrent layer's {@code h_n}} */
        public Tensor hN() {
            return rnnOutput.hN();
        }

        /**
         * Backward from {@code ∂loss/∂logits}: accumulates the head's and the layer's parameter gradients.
         *
         * @param gradLogits {@code (N, C)}; not modified
         * @return {@code ∂loss/∂input}, the input's shape (e.g. for an {@link Embedding} below)
         * @throws IllegalStateException if the forward ran in evaluation mode or backward already ran
         */
        public Tensor backward(Tensor gradLogits) {
            if (!rnnOutput.hasGraph()) {
                return rnnOutput.backward(null, null);  // throws with the reason
            }
            Tensor gf = head.backward(features, gradLogits);
            Tensor[] g = readout.gradients(gf, rnnOutput.output(), rnnOutput.hN());
            return rnnOutput.backward(g[0], g[1]);
        }
    }
}

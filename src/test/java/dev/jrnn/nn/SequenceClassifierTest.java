package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jrnn.TrainFixtures;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Readouts and the classifier module: features, gradients, parameter naming, mode propagation. */
class SequenceClassifierTest {

    static RNNBase layer(Mode mode, long seed) {
        switch (mode) {
            case LSTM:
                return new LSTM(RNNConfig.lstm(2, 4).withNumLayers(2), seed);
            case GRU:
                return new GRU(RNNConfig.gru(2, 4).withNumLayers(2), seed);
            default:
                return new RNN(RNNConfig.rnn(2, 4).withNumLayers(2), seed);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"RNN_TANH", "LSTM", "GRU"})
    void lastValidOnAPaddedBatchEqualsEachSequenceRunAlone(Mode mode) {
        int len = 5;
        int[] lengths = {3, 5, 1};
        RNNConfig cfg = layer(mode, 7L).config();
        Tensor x = Tensor.normal(new Generator(1), 0f, 1f, len, 3, 2);
        Tensor gLogits = Tensor.normal(new Generator(2), 0f, 1f, 3, 3);

        SequenceClassifier padded = new SequenceClassifier(layer(mode, 7L), new Linear(4, 3, 8L));
        SequenceClassifier.Output out = padded.forward(x, Readout.lastValid(cfg, lengths));
        out.backward(gLogits);

        SequenceClassifier alone = new SequenceClassifier(layer(mode, 7L), new Linear(4, 3, 8L));
        for (int n = 0; n < 3; n++) {
            Tensor xn = x.narrow(0, 0, lengths[n]).narrow(1, n, 1).contiguous();
            SequenceClassifier.Output o = alone.forward(xn);
            assertThat(TrainFixtures.relErr(o.logits().select(0, 0), out.logits().select(0, n), 1e-3)).isLessThan(1e-6);
            o.backward(gLogits.narrow(0, n, 1).contiguous());
        }
        List<Parameter> a = padded.parameters();
        List<Parameter> b = alone.parameters();
        for (int i = 0; i < a.size(); i++) {
            assertThat(TrainFixtures.relErr(a.get(i).grad(), b.get(i).grad(), 1e-3)).as(a.get(i).name()).isLessThan(1e-5);
        }
    }

    @Test
    void finalStatesOfBothDirectionsAndBatchFirst() {
        RNNConfig cfg = RNNConfig.rnn(2, 3).withBidirectional(true).withNumLayers(2).withBatchFirst(true);
        RNN rnn = new RNN(cfg, 3L);
        Tensor x = Tensor.normal(new Generator(4), 0f, 1f, 2, 6, 2);   // (N, L, H_in)
        RNNOutput o = rnn.forward(x);
        Readout r = Readout.finalStates(cfg);
        assertThat(r.features(o.output(), o.hN()).contentEquals(o.topFinalStates())).isTrue();
        Tensor[] g = r.gradients(Tensor.ones(2, 6), o.output(), o.hN());
        assertThat(g[0]).isNull();
        assertThat(g[1].select(0, 0).toArray()).containsOnly(0f);
        assertThat(g[1].select(0, 3).toArray()).containsOnly(1f);
        assertThatThrownBy(() -> Readout.lastValid(cfg, new int[] {1, 1})).hasMessageContaining("unidirectional");
        RNNConfig uni = cfg.withBidirectional(false);
        RNNOutput ou = new RNN(uni, 3L).forward(x);
        Tensor f = Readout.lastValid(uni, new int[] {6, 2}).features(ou.output(), ou.hN());
        assertThat(f.select(0, 1).contentEquals(ou.output().select(0, 1).select(0, 1))).isTrue();
        assertThatThrownBy(() -> Readout.lastValid(uni, new int[] {7, 2}).features(ou.output(), ou.hN()))
                .hasMessageContaining("exceeds");
    }

    @Test
    void parametersAreNamedLikeTheTorchModuleAndModesPropagate() {
        RNNConfig cfg = RNNConfig.rnn(2, 3).withBidirectional(true);
        SequenceClassifier m = new SequenceClassifier(new RNN(cfg, 1L), new Linear(6, 2, 2L));
        assertThat(m.stateDict().keySet()).containsExactly("rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0",
                "rnn.bias_hh_l0", "rnn.weight_ih_l0_reverse", "rnn.weight_hh_l0_reverse", "rnn.bias_ih_l0_reverse",
                "rnn.bias_hh_l0_reverse", "head.weight", "head.bias");
        m.eval();
        assertThat(m.rnn().isTraining()).isFalse();
        assertThat(m.head().isTraining()).isFalse();
        assertThatThrownBy(() -> m.forward(Tensor.zeros(4, 1, 2)).backward(Tensor.zeros(1, 2)))
                .isInstanceOf(IllegalStateException.class);
        m.train();
        assertThat(m.rnn().isTraining()).isTrue();
        assertThat(m.generators()).containsOnlyKeys("rnn.dropout");
        assertThatThrownBy(() -> new SequenceClassifier(new RNN(cfg, 1L), new Linear(3, 2, 2L)))
                .hasMessageContaining("D·H_out = 6");
    }
}

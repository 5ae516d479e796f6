package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** Constructor arguments, defaults and the validation messages of spec §1.2. */
class RNNConfigTest {

    @Test
    void defaultsAreTorchs() {
        RNNConfig c = RNNConfig.rnn(3, 4);
        assertThat(c.mode()).isEqualTo(Mode.RNN_TANH);
        assertThat(c.nonlinearity()).isEqualTo(Nonlinearity.TANH);
        assertThat(c.numLayers()).isEqualTo(1);
        assertThat(c.bias()).isTrue();
        assertThat(c.batchFirst()).isFalse();
        assertThat(c.dropout()).isZero();
        assertThat(c.bidirectional()).isFalse();
        assertThat(c.projSize()).isZero();
        assertThat(c.gateSize()).isEqualTo(4);
        assertThat(RNNConfig.gru(3, 4).gateSize()).isEqualTo(12);
        assertThat(RNNConfig.lstm(3, 4).gateSize()).isEqualTo(16);
        assertThat(RNNConfig.lstm(3, 4).nonlinearity()).isNull();
    }

    @Test
    void gateCountsFollowTheMode() {
        assertThat(Mode.RNN_TANH.gateCount()).isEqualTo(1);
        assertThat(Mode.RNN_RELU.gateCount()).isEqualTo(1);
        assertThat(Mode.GRU.gateCount()).isEqualTo(3);
        assertThat(Mode.LSTM.gateCount()).isEqualTo(4);
    }

    @Test
    void nonlinearityIsCaseSensitiveWithUpstreamMessage() {
        assertThat(RNNConfig.rnn(3, 4).withNonlinearity("relu").mode()).isEqualTo(Mode.RNN_RELU);
        assertThatThrownBy(() -> RNNConfig.rnn(3, 4).withNonlinearity("Tanh"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Unknown nonlinearity 'Tanh'. Select from 'tanh' or 'relu'.");
        assertThatThrownBy(() -> RNNConfig.rnn(3, 4).withNonlinearity("sigmoid"))
                .hasMessage("Unknown nonlinearity 'sigmoid'. Select from 'tanh' or 'relu'.");
        assertThatThrownBy(() -> RNNConfig.gru(3, 4).withNonlinearity(Nonlinearity.RELU))
                .hasMessageStartingWith("nonlinearity argument is only supported for RNN");
    }

    @Test
    void projSizeOnlyForLstmEvenWhenZero() {
        assertThatThrownBy(() -> RNNConfig.rnn(3, 4).withProjSize(0))
                .hasMessageStartingWith("proj_size argument is only supported for LSTM, not RNN or GRU");
        assertThatThrownBy(() -> RNNConfig.gru(3, 4).withProjSize(2))
                .hasMessageStartingWith("proj_size argument is only supported for LSTM, not RNN or GRU");
        assertThatThrownBy(() -> RNNConfig.lstm(3, 4).withProjSize(-1))
                .hasMessage("proj_size should be a positive integer or zero to disable projections, got -1");
        assertThatThrownBy(() -> RNNConfig.lstm(3, 4).withProjSize(4))
                .hasMessage("proj_size has to be smaller than hidden_size, got proj_size=4 and hidden_size=4");
        assertThat(RNNConfig.lstm(3, 4).withProjSize(3).outputHiddenSize()).isEqualTo(3);
    }

    @Test
    void dropoutMustBeAProbability() {
        String msg = "dropout should be a number in range [0, 1] representing the probability of an element being"
                + " zeroed, got ";
        assertThatThrownBy(() -> RNNConfig.rnn(3, 4).withDropout(-0.1)).hasMessage(msg + "-0.1");
        assertThatThrownBy(() -> RNNConfig.rnn(3, 4).withDropout(1.5)).hasMessage(msg + "1.5");
        assertThatThrownBy(() -> RNNConfig.rnn(3, 4).withDropout(Double.NaN)).hasMessage(msg + "NaN");
        assertThat(RNNConfig.rnn(3, 4).withDropout(0).dropout()).isZero();
        assertThat(RNNConfig.rnn(3, 4).withDropout(1).dropout()).isEqualTo(1.0);
    }

    @Test
    void sizesUseUpstreamMessagesWithTheActualValue() {
        assertThatThrownBy(() -> RNNConfig.rnn(3, 0)).hasMessage("hidden_size must be greater than zero, got 0");
        assertThatThrownBy(() -> RNNConfig.rnn(3, -2)).hasMessage("hidden_size must be greater than zero, got -2");
        assertThatThrownBy(() -> RNNConfig.rnn(3, 4).withNumLayers(0))
                .hasMessage("num_layers must be greater than zero, got 0");
        assertThatThrownBy(() -> RNNConfig.rnn(-1, 4)).hasMessage("input_size must be zero or greater, got -1");
        assertThat(RNNConfig.rnn(0, 4).inputSize()).isZero();
    }

    @Test
    void dropoutIsCheckedBeforeSizesAsInTorch() {
        assertThatThrownBy(() -> RNNConfig.rnn(3, 4).withDropout(2).withHiddenSize(0))
                .hasMessageStartingWith("dropout should be");
    }

    @Test
    void configIsAnImmutableValue() {
        RNNConfig a = RNNConfig.rnn(3, 4);
        RNNConfig b = a.withNumLayers(2);
        assertThat(a.numLayers()).isEqualTo(1);
        assertThat(b).isEqualTo(RNNConfig.rnn(3, 4).withNumLayers(2)).hasSameHashCodeAs(a.withNumLayers(2));
        assertThat(b).isNotEqualTo(a);
        assertThat(b.layerInputSize(1)).isEqualTo(4);
        assertThat(b.withBidirectional(true).layerInputSize(1)).isEqualTo(8);
    }

    @Test
    void dropoutWithOneLayerWarnsWithTorchsTextButBuilds() {
        List<LogRecord> records = new ArrayList<>();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger jul = Logger.getLogger("dev.jrnn.nn");
        jul.addHandler(h);
        try {
            RNN rnn = new RNN(RNNConfig.rnn(3, 4).withDropout(0.5));
            assertThat(rnn.config().dropout()).isEqualTo(0.5);
        } finally {
            jul.removeHandler(h);
        }
        assertThat(records).extracting(LogRecord::getMessage).containsExactly(
                "dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects"
                        + " num_layers greater than 1, but got dropout=0.5 and num_layers=1");
        assertThat(records.get(0).getLevel()).isEqualTo(java.util.logging.Level.WARNING);
    }
}

package dev.jrnn.interop;

import static dev.jrnn.interop.InteropTestSupport.assertClose;
import static dev.jrnn.interop.InteropTestSupport.assertSameStateDict;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jrnn.TestSupport;
import dev.jrnn.io.SafetensorsFile;
import dev.jrnn.nn.Mode;
import dev.jrnn.nn.RNN;
import dev.jrnn.nn.RNNBase;
import dev.jrnn.nn.RNNConfig;
import dev.jrnn.nn.RNNOutput;
import dev.jrnn.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Keras import, numerically: the fixtures hold Keras-layout arrays and the outputs of the Keras cell
 * equations evaluated from them (tools/gen_interop_fixtures.py), plus the expected PyTorch-layout
 * state dict (checked there against torch's modules).
 */
class KerasImportTest {

    @TempDir
    Path dir;

    static List<String> fixtures() {
        return InteropTestSupport.index("interop/keras");
    }

    static KerasLayer layerOf(Map<String, String> meta) {
        KerasLayer l;
        switch (meta.get("layer")) {
            case "SimpleRNN": l = KerasLayer.simpleRNN(); break;
            case "LSTM": l = KerasLayer.lstm(); break;
            case "GRU": l = KerasLayer.gru(); break;
            default: throw new AssertionError(meta.get("layer"));
        }
        return l.withActivation(meta.get("activation")).withBidirectional(meta.get("bidirectional").equals("true"));
    }

    /** Copies the fixture's weights (a file or a directory of .npy) to the temp dir; returns its path. */
    Path weights(String file) throws IOException {
        if (file.contains(".")) {
            return InteropTestSupport.copy("interop/keras/" + file, dir);
        }
        Path d = Files.createDirectories(dir.resolve(file));
        String[] roles = {"kernel", "recurrent_kernel", "bias"};
        for (String prefix : new String[] {"forward_", "backward_"}) {
            for (String role : roles) {
                Files.write(d.resolve(prefix + role + ".npy"),
                        InteropTestSupport.resource("interop/keras/" + file + "/" + prefix + role + ".npy"));
            }
        }
        return d;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void importReproducesKerasEquations(String name) throws IOException {
        SafetensorsFile e = InteropTestSupport.safetensors("interop/keras/" + name + ".expected.safetensors");
        Map<String, String> meta = e.metadata();
        KerasLayer layer = layerOf(meta);
        ImportedLayer imp = KerasImport.read(weights(meta.get("weights")), layer);

        // The mapping: exactly the PyTorch-layout tensors (pure transposes and block moves, bit-exact).
        Map<String, Tensor> expected = new LinkedHashMap<>();
        for (String n : e.names()) {
            if (n.startsWith("weight_") || n.startsWith("bias_")) {
                expected.put(n, e.tensor(n));
            }
        }
        assertSameStateDict(imp.stateDict(), expected);
        RNNConfig c = imp.config();
        assertThat(c.batchFirst()).isTrue();
        assertThat(c.bias()).isEqualTo(meta.get("use_bias").equals("true"));
        assertThat(c.bidirectional()).isEqualTo(layer.bidirectional());
        assertThat(c.inputSize()).isEqualTo(e.shape("input")[2]);

        // The model file holds the same weights and config and names its source.
        Path saved = dir.resolve(name + ".safetensors");
        imp.save(saved);
        assertThat(ModelFiles.readConfig(saved)).isEqualTo(c);
        assertThat(dev.jrnn.io.Safetensors.read(saved).metadata().get("converted_from")).startsWith("keras ");

        RNNBase m = imp.toModule();
        m.eval();
        Tensor[] out = InteropTestSupport.forward(m, e.tensor("input"), null, null);
        assertClose(out[0], e.tensor("keras_output"), TestSupport.FORWARD_ATOL, name + " return_sequences=True");
        // return_sequences=False: the last layer's final states, forward then backward (checklist 120)
        Tensor hn = out[1];                                         // (D, N, H)
        Tensor last = c.bidirectional() ? Tensor.cat(-1, hn.select(0, 0), hn.select(0, 1)) : hn.select(0, 0);
        assertClose(last, e.tensor("keras_last"), TestSupport.FORWARD_ATOL, name + " return_sequences=False");
        if (c.bidirectional()) {
            for (String mode : new String[] {"sum", "mul", "ave"}) {
                assertClose(KerasImport.mergeBidirectional(out[0], mode), e.tensor("keras_" + mode),
                        TestSupport.FORWARD_ATOL, name + " merge_mode=" + mode);
            }
            assertThat(KerasImport.mergeBidirectional(out[0], "concat")).isSameAs(out[0]);
        }
        // and through the file: ModelFiles.load gives the same module
        RNNBase back = ModelFiles.load(saved);
        back.eval();
        assertThat(InteropTestSupport.forward(back, e.tensor("input"), null, null)[0].toArray())
                .isEqualTo(out[0].toArray());
    }

    @Test
    void stackOfBidirectionalLayersEqualsOneMultiLayerModule() throws IOException {
        String name = "stack_bidir_simple_rnn";
        SafetensorsFile e = InteropTestSupport.safetensors("interop/keras/" + name + ".expected.safetensors");
        KerasLayer layer = KerasLayer.simpleRNN().withBidirectional(true);
        ImportedLayer l0 = KerasImport.read(InteropTestSupport.copy("interop/keras/" + name + "_0.npz", dir), layer);
        ImportedLayer l1 = KerasImport.read(InteropTestSupport.copy("interop/keras/" + name + "_1.npz", dir), layer);
        ImportedLayer s = KerasImport.stack(List.of(l0, l1));
        assertThat(s.config()).isEqualTo(RNNConfig.rnn(4, 5).withNumLayers(2).withBidirectional(true)
                .withBatchFirst(true));
        Map<String, Tensor> expected = new LinkedHashMap<>();
        for (String n : e.names()) {
            if (n.startsWith("weight_") || n.startsWith("bias_")) {
                expected.put(n, e.tensor(n));
            }
        }
        assertSameStateDict(s.stateDict(), expected);
        RNNBase m = s.toModule();
        m.eval();
        assertClose(((RNN) m).forward(e.tensor("input")).output(), e.tensor("keras_output"), TestSupport.FORWARD_ATOL,
                name);
        assertThatThrownBy(() -> KerasImport.stack(List.of(l1, l0))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layer 1 takes 4 input features, but layer 0 emits 10");
        assertThatThrownBy(() -> KerasImport.stack(List.of())).isInstanceOf(IllegalArgumentException.class);
        ImportedLayer uni = KerasImport.convert(KerasLayer.simpleRNN(), Tensor.zeros(10, 5), Tensor.zeros(5, 5), null);
        assertThatThrownBy(() -> KerasImport.stack(List.of(l0, uni))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("differs from layer 0");
    }

    // ---------------------------------------------------------------- mapping details on small arrays

    /** kernel[f][g] = 100·f + g, so every entry says where it came from. */
    static Tensor labelled(int rows, int cols, int base) {
        float[] v = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                v[r * cols + c] = base + 100 * r + c;
            }
        }
        return Tensor.of(v, rows, cols);
    }

    @Test
    void gruSwapsTheFirstTwoGateBlocksAndSplitsTheBias() {
        int h = 2;
        Tensor k = labelled(3, 3 * h, 0);
        Tensor rk = labelled(h, 3 * h, 10000);
        Tensor b = labelled(2, 3 * h, 20000);
        ImportedLayer imp = KerasImport.convert(KerasLayer.gru(), k, rk, b);
        assertThat(imp.config()).isEqualTo(RNNConfig.gru(3, h).withBatchFirst(true));
        Map<String, Tensor> sd = imp.stateDict();
        // torch row j of weight_ih: r block (rows 0..1) = Keras z/r columns 2..3, z block = columns 0..1
        assertThat(sd.get("weight_ih_l0").toArray()).containsExactly(
                2, 102, 202, 3, 103, 203,     // r ← Keras columns 2, 3
                0, 100, 200, 1, 101, 201,     // z ← Keras columns 0, 1
                4, 104, 204, 5, 105, 205);    // n ← Keras columns 4, 5
        assertThat(sd.get("weight_hh_l0").get(0, 1)).isEqualTo(10102f);
        assertThat(sd.get("bias_ih_l0").toArray()).containsExactly(20002, 20003, 20000, 20001, 20004, 20005);
        assertThat(sd.get("bias_hh_l0").toArray()).containsExactly(20102, 20103, 20100, 20101, 20104, 20105);
    }

    @Test
    void lstmAndSimpleRnnKeepOrderAndGetAZeroRecurrentBias() {
        Tensor k = labelled(2, 4, 0);
        ImportedLayer lstm = KerasImport.convert(KerasLayer.lstm().withTimeMajor(true), k, labelled(1, 4, 500),
                Tensor.of(new float[] {1, 2, 3, 4}, 4));
        assertThat(lstm.config()).isEqualTo(RNNConfig.lstm(2, 1));
        assertThat(lstm.stateDict().get("weight_ih_l0").toArray()).containsExactly(0, 100, 1, 101, 2, 102, 3, 103);
        assertThat(lstm.stateDict().get("bias_ih_l0").toArray()).containsExactly(1, 2, 3, 4);
        assertThat(lstm.stateDict().get("bias_hh_l0").toArray()).containsExactly(0, 0, 0, 0);
        ImportedLayer rnn = KerasImport.convert(KerasLayer.simpleRNN().withActivation("relu"), labelled(3, 2, 0),
                labelled(2, 2, 0), null);
        assertThat(rnn.config()).isEqualTo(RNNConfig.rnn(3, 2).withNonlinearity("relu").withBias(false)
                .withBatchFirst(true));
        assertThat(rnn.stateDict()).containsOnlyKeys("weight_ih_l0", "weight_hh_l0");
    }

    // ---------------------------------------------------------------- rejections

    @Test
    void unrepresentableLayersAreRejectedWithAReason() {
        Tensor k3 = Tensor.zeros(2, 6);
        Tensor r3 = Tensor.zeros(2, 6);
        assertThatThrownBy(() -> KerasImport.convert(KerasLayer.gru().withResetAfter(false), k3, r3, Tensor.zeros(6)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reset_after=False is not representable");
        assertThatThrownBy(() -> KerasImport.convert(KerasLayer.gru(), k3, r3, Tensor.zeros(6)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the layout of a GRU with reset_after=False");
        assertThatThrownBy(() -> KerasImport.convert(KerasLayer.lstm().withRecurrentActivation("hard_sigmoid"),
                Tensor.zeros(2, 8), Tensor.zeros(2, 8), null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("recurrent_activation 'hard_sigmoid' is not representable");
        assertThatThrownBy(() -> KerasImport.convert(KerasLayer.lstm().withActivation("relu"), Tensor.zeros(2, 8),
                Tensor.zeros(2, 8), null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("LSTM activation 'relu' is not representable");
        assertThatThrownBy(() -> KerasImport.convert(KerasLayer.simpleRNN().withActivation("sigmoid"),
                Tensor.zeros(2, 2), Tensor.zeros(2, 2), null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'tanh' and 'relu' only");
        assertThatThrownBy(() -> KerasImport.mergeBidirectional(Tensor.zeros(2, 4), "None"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("narrow");
        assertThatThrownBy(() -> KerasImport.mergeBidirectional(Tensor.zeros(2, 3), "sum"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("even last dimension");
    }

    @Test
    void badShapesAndNamesAreNamed() {
        assertThatThrownBy(() -> KerasImport.convert(KerasLayer.lstm(), Tensor.zeros(2, 6), Tensor.zeros(2, 6), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a positive multiple of 4");
        assertThatThrownBy(() -> KerasImport.convert(KerasLayer.lstm(), Tensor.zeros(2, 8), Tensor.zeros(3, 8), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("recurrent_kernel must be (2, 8)").hasMessageContaining("[3, 8]");
        assertThatThrownBy(() -> KerasImport.convert(KerasLayer.lstm(), Tensor.zeros(2, 8), Tensor.zeros(2, 8),
                Tensor.zeros(2, 8))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bias must be (8,)");
        assertThatThrownBy(() -> KerasImport.convert(KerasLayer.lstm(), Tensor.zeros(8), Tensor.zeros(2, 8), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kernel must be 2-D");
        assertThatThrownBy(() -> KerasImport.convert(KerasLayer.lstm().withBidirectional(true), Tensor.zeros(2, 8),
                Tensor.zeros(2, 8), null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("convertBidirectional");
        assertThatThrownBy(() -> KerasImport.convertBidirectional(KerasLayer.simpleRNN().withBidirectional(true),
                Tensor.zeros(2, 3), Tensor.zeros(3, 3), null, Tensor.zeros(4, 3), Tensor.zeros(3, 3), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("forward and backward layers differ");

        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("lstm/lstm_cell/kernel:0", Tensor.zeros(2, 8));
        assertThatThrownBy(() -> KerasImport.convert(KerasLayer.lstm(), m)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no array for the recurrent_kernel");
        m.put("lstm/lstm_cell/recurrent_kernel:0", Tensor.zeros(2, 8));
        m.put("lstm_1/lstm_cell/kernel:0", Tensor.zeros(2, 8));
        assertThatThrownBy(() -> KerasImport.convert(KerasLayer.lstm(), m)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("two arrays are the kernel");
        m.remove("lstm_1/lstm_cell/kernel:0");
        m.put("lstm/lstm_cell/moving_mean:0", Tensor.zeros(8));
        assertThatThrownBy(() -> KerasImport.convert(KerasLayer.lstm(), m)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'lstm/lstm_cell/moving_mean:0' is not a Keras kernel");
        m.remove("lstm/lstm_cell/moving_mean:0");
        assertThat(KerasImport.convert(KerasLayer.lstm(), m).config().bias()).isFalse();
        assertThatThrownBy(() -> KerasImport.convert(KerasLayer.lstm().withBidirectional(true), m))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("names no direction");
        Map<String, Tensor> pos = Map.of("arr_0", Tensor.zeros(2, 8), "arr_2", Tensor.zeros(2, 8));
        assertThatThrownBy(() -> KerasImport.convert(KerasLayer.lstm(), pos)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("get_weights() order");
    }

    @Test
    void filesOfOtherKindsAreRejected() throws IOException {
        Path txt = Files.writeString(dir.resolve("w.txt"), "x");
        assertThatThrownBy(() -> KerasImport.read(txt, KerasLayer.lstm())).isInstanceOf(IOException.class)
                .hasMessageContaining("expected an .npz archive");
        Path npz = InteropTestSupport.copy("io/npz/plain.npz", dir); // kernel, bias, steps (int64)
        assertThatThrownBy(() -> KerasImport.read(npz, KerasLayer.simpleRNN())).isInstanceOf(IOException.class)
                .hasMessageContaining("member 'steps'").hasMessageContaining("floating point");
        Path pos = InteropTestSupport.copy("io/npz/positional.npz", dir); // (3,4) and (2,3,4): not a layer
        assertThatThrownBy(() -> KerasImport.read(pos, KerasLayer.simpleRNN())).isInstanceOf(IOException.class)
                .hasMessageContaining(pos.toString());
        assertThat(Mode.GRU.gateCount()).isEqualTo(KerasLayer.Type.GRU.gateCount());
        assertThat(KerasLayer.gru().withBidirectional(true).toString())
                .isEqualTo("Bidirectional(GRU(activation='tanh', recurrent_activation='sigmoid', reset_after=True))");
    }
}

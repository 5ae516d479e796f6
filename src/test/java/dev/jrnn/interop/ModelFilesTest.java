package dev.jrnn.interop;

import static dev.jrnn.interop.InteropTestSupport.assertClose;
import static dev.jrnn.interop.InteropTestSupport.assertSameStateDict;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jrnn.TestSupport;
import dev.jrnn.io.Safetensors;
import dev.jrnn.io.SafetensorsFile;
import dev.jrnn.io.SafetensorsFormatException;
import dev.jrnn.io.SafetensorsWriter;
import dev.jrnn.nn.GRU;
import dev.jrnn.nn.LSTM;
import dev.jrnn.nn.Mode;
import dev.jrnn.nn.Module;
import dev.jrnn.nn.RNN;
import dev.jrnn.nn.RNNBase;
import dev.jrnn.nn.RNNConfig;
import dev.jrnn.nn.RNNOutput;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Model files: round trips, metadata, strict/non-strict loading, atomicity, and files torch wrote. */
class ModelFilesTest {

    @TempDir
    Path dir;

    static Stream<RNNConfig> rnnConfigs() {
        List<RNNConfig> cs = new ArrayList<>();
        for (String nl : new String[] {"tanh", "relu"}) {
            for (int layers = 1; layers <= 3; layers++) {
                for (boolean bidir : new boolean[] {false, true}) {
                    for (boolean bias : new boolean[] {true, false}) {
                        RNNConfig c = RNNConfig.rnn(5, 4).withNonlinearity(nl).withNumLayers(layers)
                                .withBidirectional(bidir).withBias(bias).withBatchFirst(layers == 2)
                                .withDropout(layers == 3 ? 0.25 : 0.0);
                        cs.add(c);
                    }
                }
            }
        }
        cs.add(RNNConfig.rnn(1, 1));
        cs.add(RNNConfig.rnn(0, 3));          // input_size 0 is legal in torch
        cs.add(RNNConfig.rnn(7, 13).withDropout(1e-5).withNumLayers(2));
        return cs.stream();
    }

    // ---------------------------------------------------------------- round trips

    static RNNBase build(RNNConfig c, long seed) {
        switch (c.mode()) {
            case LSTM: return new LSTM(c, seed);
            case GRU: return new GRU(c, seed);
            default: return new RNN(c, seed);
        }
    }

    @ParameterizedTest
    @MethodSource("allModeConfigs")
    void roundTripIsBitExact(RNNConfig config) throws IOException {
        RNNBase m = build(config, 1234L);
        Path p = dir.resolve("m.safetensors");
        ModelFiles.save(m, p, Map.of("seed", "1234"));
        RNNBase back = ModelFiles.load(p);
        assertThat(back.getClass()).isEqualTo(m.getClass());
        assertThat(back.config()).isEqualTo(config);
        assertThat(ModelFiles.readConfig(p)).isEqualTo(config);
        assertSameStateDict(back.stateDict(), m.stateDict());
        if (config.inputSize() > 0) {
            Generator g = new Generator(7);
            Tensor x = Tensor.normal(g, 0, 1, 3, 2, config.inputSize());
            m.eval();
            back.eval();
            Tensor[] a = InteropTestSupport.forward(m, x, null, null);
            Tensor[] b = InteropTestSupport.forward(back, x, null, null);
            for (int i = 0; i < a.length; i++) {
                assertThat(b[i].toArray()).isEqualTo(a[i].toArray());
            }
        }
        // saving what was loaded gives the same bytes
        Path p2 = dir.resolve("m2.safetensors");
        ModelFiles.save(back, p2, Map.of("seed", "1234"));
        assertThat(Files.readAllBytes(p2)).isEqualTo(Files.readAllBytes(p));
    }

    static Stream<RNNConfig> allModeConfigs() {
        List<RNNConfig> cs = new ArrayList<>();
        rnnConfigs().forEach(cs::add);
        for (Mode m : new Mode[] {Mode.LSTM, Mode.GRU}) {
            for (int layers = 1; layers <= 2; layers++) {
                for (boolean bidir : new boolean[] {false, true}) {
                    cs.add(RNNConfig.of(m, 5, 4).withNumLayers(layers).withBidirectional(bidir).withBias(!bidir)
                            .withBatchFirst(layers == 2).withDropout(layers == 2 ? 0.5 : 0.0));
                }
            }
        }
        cs.add(RNNConfig.lstm(5, 6).withProjSize(3));
        cs.add(RNNConfig.lstm(5, 6).withProjSize(2).withNumLayers(2).withBidirectional(true).withBias(false));
        return cs.stream();
    }

    /** Every mode and option through the file format, without building modules (LSTM/GRU included). */
    @ParameterizedTest
    @MethodSource("allModeConfigs")
    void configAndStateDictRoundTripForEveryMode(RNNConfig config) throws IOException {
        Generator g = new Generator(config.hashCode());
        Map<String, Tensor> sd = new LinkedHashMap<>();
        ModelFiles.parameterShapes(config).forEach((k, s) -> sd.put(k, Tensor.normal(g, 0, 1, s)));
        Path p = dir.resolve("c.safetensors");
        ModelFiles.save(config, sd, p, Map.of());
        assertThat(ModelFiles.readConfig(p)).isEqualTo(config);
        SafetensorsFile f = Safetensors.read(p);
        assertSameStateDict(f.tensors(), sd);
        assertThat(f.metadata()).containsEntry("mode", config.mode().name())
                .containsEntry("proj_size", Integer.toString(config.projSize()));
    }

    @Test
    void metadataHasProvenanceThenConfigThenExtras() throws IOException {
        RNN rnn = new RNN(RNNConfig.rnn(3, 4).withNonlinearity("relu").withNumLayers(2).withBidirectional(true));
        Path p = dir.resolve("m.safetensors");
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("seed", "42");
        extra.put("training", "{\"lr\": 0.1, \"epochs\": 3}");
        ModelFiles.save(rnn, p, extra);
        SafetensorsFile f = Safetensors.read(p);
        assertThat(new ArrayList<>(f.metadata().entrySet())).extracting(Map.Entry::getKey).containsExactly(
                "format_version", "jrnn_version", "mode", "input_size", "hidden_size", "num_layers", "bias",
                "batch_first", "dropout", "bidirectional", "proj_size", "nonlinearity", "seed", "training");
        assertThat(f.metadata()).containsEntry("format_version", "1").containsEntry("jrnn_version",
                ModelFiles.LIBRARY_VERSION).containsEntry("mode", "RNN_RELU").containsEntry("nonlinearity", "relu")
                .containsEntry("dropout", "0.0").containsEntry("bias", "true").containsEntry("proj_size", "0");
        assertThat(f.names()).containsExactlyElementsOf(RNNBase.parameterNames(rnn.config()));
        assertThat(ModelFiles.configMetadata(RNNConfig.gru(2, 3))).doesNotContainKey("nonlinearity")
                .containsEntry("mode", "GRU");
    }

    @Test
    void reservedExtraKeysAreRejected() {
        RNN rnn = RNN.simpleRNN(2, 3);
        for (String k : new String[] {"mode", "hidden_size", "jrnn_version", "format_version", "nonlinearity"}) {
            assertThatThrownBy(() -> ModelFiles.save(rnn, dir.resolve("x.safetensors"), Map.of(k, "1")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + k + "'");
        }
    }

    @Test
    void parameterShapesAgreeWithTheModules() {
        allModeConfigs().forEach(c -> {
            RNNBase rnn = build(c, 1L);
            Map<String, int[]> shapes = ModelFiles.parameterShapes(c);
            assertThat(shapes.keySet()).containsExactlyElementsOf(rnn.namedParameters().keySet());
            shapes.forEach((k, s) -> assertThat(s).as(k).isEqualTo(rnn.namedParameters().get(k).shape()));
        });
        for (Mode m : new Mode[] {Mode.LSTM, Mode.GRU}) {
            RNNConfig c = RNNConfig.of(m, 3, 4).withNumLayers(2).withBidirectional(true);
            assertThat(ModelFiles.parameterShapes(c).keySet()).containsExactlyElementsOf(RNNBase.parameterNames(c));
            assertThat(ModelFiles.parameterShapes(c).get("weight_ih_l1_reverse")).containsExactly(
                    m.gateCount() * 4, 8);
        }
        RNNConfig proj = RNNConfig.lstm(3, 5).withProjSize(2).withBidirectional(true);
        Map<String, int[]> s = ModelFiles.parameterShapes(proj);
        assertThat(s.keySet()).containsExactly("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0",
                "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
                "weight_hr_l0_reverse");
        assertThat(s.get("weight_hh_l0")).containsExactly(20, 2);
        assertThat(s.get("weight_hr_l0")).containsExactly(2, 5);
    }

    @Test
    void saveFromConfigAndStateDictValidatesNamesAndShapes() throws IOException {
        RNNConfig c = RNNConfig.gru(2, 3);
        Map<String, Tensor> sd = new LinkedHashMap<>();
        ModelFiles.parameterShapes(c).forEach((k, s) -> sd.put(k, Tensor.ones(s)));
        Path p = dir.resolve("gru.safetensors");
        ModelFiles.save(c, sd, p, Map.of());
        assertThat(ModelFiles.readConfig(p)).isEqualTo(c);
        sd.put("weight_hr_l0", Tensor.ones(1, 3));
        assertThatThrownBy(() -> ModelFiles.save(c, sd, p, Map.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[weight_hr_l0]");
        sd.remove("weight_hr_l0");
        sd.put("bias_hh_l0", Tensor.ones(3));
        assertThatThrownBy(() -> ModelFiles.save(c, sd, p, Map.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'bias_hh_l0' has shape [3]").hasMessageContaining("needs [9]");
        sd.remove("bias_hh_l0");
        assertThatThrownBy(() -> ModelFiles.save(c, sd, p, Map.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing 'bias_hh_l0'");
    }

    // ---------------------------------------------------------------- strict metadata parsing

    /** Writes a file with RNN(2, 3) weights and the given metadata. */
    Path withMetadata(Map<String, String> meta) throws IOException {
        RNN rnn = RNN.simpleRNN(2, 3);
        Path p = dir.resolve("meta.safetensors");
        new SafetensorsWriter().metadata(meta).putAll(rnn.stateDict()).write(p);
        return p;
    }

    static Map<String, String> goodMeta() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("mode", "RNN_TANH");
        m.put("input_size", "2");
        m.put("hidden_size", "3");
        return m;
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "num_layers | abc | metadata 'num_layers' is 'abc', expected an integer",
        "num_layers | 1.0 | metadata 'num_layers' is '1.0', expected an integer",
        "num_layers | 99999999999 | out of the int range",
        "input_size | '' | metadata 'input_size' is '', expected an integer",
        "bias | yes | metadata 'bias' is 'yes', expected true or false",
        "batch_first | TRUE | metadata 'batch_first' is 'TRUE', expected true or false",
        "dropout | NaN | metadata 'dropout' is 'NaN', expected a decimal number",
        "dropout | 0.5f | metadata 'dropout' is '0.5f', expected a decimal number",
        "dropout | 1.5 | dropout should be a number in range [0, 1]",
        "hidden_size | 0 | hidden_size must be greater than zero, got 0",
        "mode | Elman | metadata 'mode' is 'Elman', expected one of RNN_TANH, RNN_RELU, RNN, LSTM, GRU",
        "nonlinearity | relu | metadata 'nonlinearity' is 'relu' but 'mode' is 'RNN_TANH'",
        "nonlinearity | sigmoid | metadata 'nonlinearity' is 'sigmoid', expected 'tanh' or 'relu'",
        "proj_size | 1 | only LSTM supports projections",
        "format_version | 2 | metadata 'format_version' is '2'; this jrnn reads format 1",
    })
    void badMetadataIsAnIOExceptionNamingTheKey(String key, String value, String message) throws IOException {
        Map<String, String> m = goodMeta();
        m.put(key, value);
        Path p = withMetadata(m);
        assertThatThrownBy(() -> ModelFiles.load(p)).isInstanceOf(IOException.class)
                .hasMessageStartingWith("model file " + p + ": ").hasMessageContaining(message);
    }

    @Test
    void requiredKeysAndLenientSpellings() throws IOException {
        Map<String, String> m = goodMeta();
        m.remove("mode");
        Path p = withMetadata(m);
        assertThatThrownBy(() -> ModelFiles.load(p)).isInstanceOf(IOException.class)
                .hasMessageContaining("metadata has no 'mode'").hasMessageContaining("loadStateDict");
        Map<String, String> n = goodMeta();
        n.remove("hidden_size");
        Path q = withMetadata(n);
        assertThatThrownBy(() -> ModelFiles.load(q)).isInstanceOf(IOException.class)
                .hasMessageContaining("metadata has no 'hidden_size'");
        Map<String, String> py = goodMeta();
        py.put("mode", "RNN");                 // torch's class name with a separate nonlinearity
        py.put("nonlinearity", "relu");
        py.put("bias", "True");                // Python's str(True)
        py.put("dropout", "0");
        py.put("format", "pt");
        RNNBase m2 = ModelFiles.load(withMetadata(py));
        assertThat(m2.config()).isEqualTo(RNNConfig.rnn(2, 3).withNonlinearity("relu"));
    }

    @Test
    void lstmAndGruFilesLoadAsTheirClass() throws IOException {
        Path p = dir.resolve("lstm.safetensors");
        ModelFiles.save(new LSTM(RNNConfig.lstm(2, 3).withProjSize(1)), p);
        assertThat(ModelFiles.load(p)).isInstanceOf(LSTM.class);
        assertThat(ModelFiles.load(p, LSTM.class).config()).isEqualTo(RNNConfig.lstm(2, 3).withProjSize(1));
        assertThatThrownBy(() -> ModelFiles.load(p, RNN.class)).isInstanceOf(IOException.class)
                .hasMessageContaining("holds LSTM(2, 3, proj_size=1) (mode LSTM), which is not RNN");
        Path q = dir.resolve("gru.safetensors");
        ModelFiles.save(new GRU(RNNConfig.gru(2, 3).withBidirectional(true)), q);
        assertThat(ModelFiles.load(q, GRU.class).config().bidirectional()).isTrue();
        assertThatThrownBy(() -> ModelFiles.load(q, LSTM.class)).isInstanceOf(IOException.class)
                .hasMessageContaining("which is not LSTM");
    }

    // ---------------------------------------------------------------- tensors vs configuration

    @Test
    void strictLoadNamesMissingUnexpectedAndMisshapenTensors() throws IOException {
        RNN rnn = new RNN(RNNConfig.rnn(2, 3).withNumLayers(2));
        Map<String, String> meta = ModelFiles.configMetadata(rnn.config());
        Map<String, Tensor> sd = new LinkedHashMap<>(rnn.stateDict());
        sd.remove("bias_hh_l1");
        sd.put("extra", Tensor.zeros(1));
        Path p = dir.resolve("bad.safetensors");
        new SafetensorsWriter().metadata(meta).putAll(sd).write(p);
        assertThatThrownBy(() -> ModelFiles.load(p)).isInstanceOf(IOException.class)
                .hasMessageContaining("Missing key(s) in state_dict: \"bias_hh_l1\"")
                .hasMessageContaining("Unexpected key(s) in state_dict: \"extra\"");

        Map<String, Tensor> sd2 = new LinkedHashMap<>(rnn.stateDict());
        sd2.put("weight_hh_l1", Tensor.zeros(3, 4));
        new SafetensorsWriter().metadata(meta).putAll(sd2).write(p);
        assertThatThrownBy(() -> ModelFiles.load(p)).isInstanceOf(IOException.class)
                .hasMessageContaining("size mismatch for weight_hh_l1: copying a param with shape [3, 4]");

        SafetensorsWriter w = new SafetensorsWriter().metadata(meta);
        rnn.stateDict().forEach((k, v) -> {
            if (k.equals("bias_ih_l0")) {
                w.putLongs(k, new long[3], 3);
            } else {
                w.put(k, v);
            }
        });
        w.write(p);
        assertThatThrownBy(() -> ModelFiles.load(p)).isInstanceOf(IOException.class)
                .hasMessageContaining("parameter 'bias_ih_l0' is stored as I64");
    }

    @Test
    void malformedContainerIsASafetensorsFormatExceptionNamingTheFile() throws IOException {
        Path p = dir.resolve("junk.safetensors");
        Files.write(p, "not a model".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> ModelFiles.load(p)).isInstanceOf(SafetensorsFormatException.class)
                .hasMessageStartingWith("model file " + p + ": ");
        assertThatThrownBy(() -> ModelFiles.load(dir.resolve("absent.safetensors"))).isInstanceOf(IOException.class);
    }

    @Test
    void loadWithAClassReturnsThatClass() throws IOException {
        Path p = dir.resolve("m.safetensors");
        ModelFiles.save(RNN.simpleRNN(2, 3), p);
        assertThat(ModelFiles.load(p, RNNBase.class)).isInstanceOf(RNN.class);
        assertThat(ModelFiles.load(p, RNN.class).config()).isEqualTo(RNNConfig.rnn(2, 3));
        assertThatThrownBy(() -> ModelFiles.load(p, null)).isInstanceOf(NullPointerException.class);
    }

    // ---------------------------------------------------------------- plain state_dict files

    @Test
    void plainStateDictStrictAndNonStrict() throws IOException {
        RNN src = new RNN(RNNConfig.rnn(2, 3).withBidirectional(true), 5L);
        Map<String, Tensor> sd = new LinkedHashMap<>(src.stateDict());
        sd.remove("bias_hh_l0_reverse");
        sd.put("step", Tensor.scalar(3));
        Path p = dir.resolve("plain.safetensors");
        SafetensorsWriter w = new SafetensorsWriter().putAll(sd).putLongs("epoch", new long[] {7});
        w.write(p);

        RNN dst = new RNN(RNNConfig.rnn(2, 3).withBidirectional(true), 9L);
        Map<String, Tensor> before = copy(dst.stateDict());
        assertThatThrownBy(() -> ModelFiles.loadStateDict(p, dst, true)).isInstanceOf(IOException.class)
                .hasMessageContaining("model file " + p).hasMessageContaining("epoch")
                .hasMessageContaining("bias_hh_l0_reverse");
        assertSameStateDict(dst.stateDict(), before); // unchanged on error

        Module.LoadResult r = ModelFiles.loadStateDict(p, dst, false);
        assertThat(r.missingKeys()).containsExactly("bias_hh_l0_reverse");
        assertThat(r.unexpectedKeys()).containsExactly("step", "epoch");
        assertSameStateDict(Map.of("weight_ih_l0", dst.stateDict().get("weight_ih_l0")),
                Map.of("weight_ih_l0", src.stateDict().get("weight_ih_l0")));
        assertThat(dst.stateDict().get("bias_hh_l0_reverse").contentEquals(before.get("bias_hh_l0_reverse"))).isTrue();

        RNN wrong = new RNN(RNNConfig.rnn(2, 4).withBidirectional(true));
        assertThatThrownBy(() -> ModelFiles.loadStateDict(p, wrong, false)).isInstanceOf(IOException.class)
                .hasMessageContaining("size mismatch for weight_ih_l0");
    }

    @Test
    void torchFixturesWithExtraTensorsLoadNonStrictly() throws IOException {
        // gen_fixtures.py files carry the config in their metadata plus input/output tensors.
        String name = "tanh_l2_bi_bias_tm_n3_s6_i5_h7_h0";
        Path p = InteropTestSupport.copy("rnn/" + name + ".safetensors", dir);
        RNNConfig c = ModelFiles.readConfig(p);
        assertThat(c).isEqualTo(RNNConfig.rnn(5, 7).withNumLayers(2).withBidirectional(true));
        RNN rnn = new RNN(c).eval();
        Module.LoadResult r = ModelFiles.loadStateDict(p, rnn, false);
        assertThat(r.missingKeys()).isEmpty();
        assertThat(r.unexpectedKeys()).containsExactly("input", "h0", "output", "h_n");
        SafetensorsFile f = Safetensors.read(p);
        RNNOutput out = rnn.forward(f.tensor("input"), f.tensor("h0"));
        assertClose(out.output(), f.tensor("output"), TestSupport.FORWARD_ATOL, name);
        assertThatThrownBy(() -> ModelFiles.load(p)).isInstanceOf(IOException.class)
                .hasMessageContaining("Unexpected key(s) in state_dict: \"input\", \"h0\", \"output\", \"h_n\"");
    }

    // ---------------------------------------------------------------- atomic writes

    @Test
    void savesAreAtomic() throws IOException {
        Path p = dir.resolve("m.safetensors");
        Files.writeString(p, "previous model");
        RNN rnn = RNN.simpleRNN(2, 3);
        ModelFiles.save(rnn, p);
        assertThat(ModelFiles.load(p).stateDict().keySet()).containsExactlyElementsOf(rnn.stateDict().keySet());
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(x -> x.getFileName().toString())).containsExactly("m.safetensors");
        }
        // A destination that cannot be replaced (a non-empty directory): the write fails, the
        // destination is untouched and no temporary file is left behind.
        Path blocked = dir.resolve("blocked.safetensors");
        Files.createDirectories(blocked.resolve("inside"));
        assertThatThrownBy(() -> ModelFiles.save(rnn, blocked)).isInstanceOf(IOException.class);
        assertThat(blocked.resolve("inside")).isDirectory();
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(x -> x.getFileName().toString())).containsExactlyInAnyOrder("m.safetensors",
                    "blocked.safetensors");
        }
    }

    // ---------------------------------------------------------------- files torch wrote

    static List<String> torchModels() {
        return InteropTestSupport.index("interop/torch_model");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("torchModels")
    void torchExportedFilesLoadWithoutRenamingAndReproduceTorch(String name) throws IOException {
        Path p = InteropTestSupport.copy("interop/torch_model/" + name + ".safetensors", dir);
        SafetensorsFile f = Safetensors.read(p);
        RNNConfig c = ModelFiles.readConfig(p);
        assertThat(f.metadata()).containsEntry("exporter", "tools/export_torch.py").containsKey("torch_version");
        assertThat(f.names()).containsExactlyElementsOf(ModelFiles.parameterShapes(c).keySet());
        ModelFiles.parameterShapes(c).forEach((k, s) -> assertThat(f.shape(k)).as(k).isEqualTo(s));
        RNNBase m = ModelFiles.load(p);
        m.eval();
        assertSameStateDict(m.stateDict(), f.tensors());
        SafetensorsFile io = InteropTestSupport.safetensors("interop/torch_model/" + name + ".io.safetensors");
        Tensor[] out = InteropTestSupport.forward(m, io.tensor("input"), io.tensor("h0"),
                io.contains("c0") ? io.tensor("c0") : null);
        assertClose(out[0], io.tensor("output"), TestSupport.FORWARD_ATOL, name + " output");
        assertClose(out[1], io.tensor("h_n"), TestSupport.FORWARD_ATOL, name + " h_n");
        if (out.length > 2) {
            assertClose(out[2], io.tensor("c_n"), TestSupport.FORWARD_ATOL, name + " c_n");
        }
    }

    @Test
    void torchExportCoversEveryOption() {
        List<RNNConfig> seen = new ArrayList<>();
        for (String n : torchModels()) {
            try {
                seen.add(ModelFiles.readConfig(InteropTestSupport.copy("interop/torch_model/" + n + ".safetensors", dir)));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
        assertThat(seen).extracting(RNNConfig::mode).contains(Mode.RNN_TANH, Mode.RNN_RELU, Mode.LSTM, Mode.GRU);
        assertThat(seen).anyMatch(c -> c.projSize() > 0).anyMatch(c -> c.dropout() > 0).anyMatch(c -> !c.bias())
                .anyMatch(RNNConfig::batchFirst).anyMatch(RNNConfig::bidirectional).anyMatch(c -> c.numLayers() == 3);
    }

    // ---------------------------------------------------------------- version

    @Test
    void libraryVersionIsThePomVersion() throws IOException {
        Path pom = Path.of("pom.xml");
        String text = Files.readString(pom);
        Matcher m = Pattern.compile("<artifactId>jrnn</artifactId>\\s*<version>([^<]+)</version>").matcher(text);
        assertThat(m.find()).as("project version in pom.xml").isTrue();
        assertThat(ModelFiles.LIBRARY_VERSION).isEqualTo(m.group(1));
    }

    private static Map<String, Tensor> copy(Map<String, Tensor> sd) {
        Map<String, Tensor> c = new LinkedHashMap<>();
        sd.forEach((k, v) -> c.put(k, v.copy()));
        return c;
    }
}

package dev.jrnn.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jrnn.io.Npy;
import dev.jrnn.tensor.Tensor;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PyTorch → Java path on the committed export, and the one-line errors of bad input. */
class RunTorchTest {

    static final Path DATA = Path.of("data", "torch");   // tests run in examples/
    static final String MODEL = DATA.resolve("gru.safetensors").toString();
    static final String INPUT = DATA.resolve("input.npy").toString();
    static final String EXPECTED = DATA.resolve("expected.safetensors").toString();

    @TempDir
    Path dir;

    @Test
    void torchExportedGruReproducesTorchsCommittedOutput() throws Exception {
        AppTestSupport.Captured out = new AppTestSupport.Captured();
        RunTorch r = AppTestSupport.parse(new RunTorch(), MODEL, INPUT, "--expect", EXPECTED, "--arch", "GRU");
        r.out = out.stream;
        assertThat(r.call()).isEqualTo(0);
        assertThat(r.maxDiff).isLessThanOrEqualTo(1e-5);
        assertThat(out.text()).contains("GRU(5, 8, num_layers=2, bidirectional=True)", "output (7, 3, 16)",
                "h_n (4, 3, 8)", "MATCH");
    }

    @Test
    void theAppExitsZeroOnTheBundledExample() {
        AppTestSupport.Exit e = AppTestSupport.runApp("run-torch", MODEL, INPUT, "--expect", EXPECTED);
        assertThat(e.code()).isEqualTo(0);
        assertThat(e.out()).contains("MATCH");
    }

    @Test
    void aDifferentExpectationExitsOne() throws Exception {
        Path other = dir.resolve("other.safetensors");
        Tensor wrongOut = Tensor.zeros(7, 3, 16);
        Tensor wrongHn = Tensor.zeros(4, 3, 8);
        dev.jrnn.io.Safetensors.write(other, java.util.Map.of("output", wrongOut, "h_n", wrongHn), java.util.Map.of());
        AppTestSupport.Exit e = AppTestSupport.runApp("run-torch", MODEL, INPUT, "--expect", other.toString());
        assertThat(e.code()).isEqualTo(1);
        assertThat(e.out()).contains("MISMATCH");
    }

    @Test
    void missingFileIsOneLineAndExitTwo() {
        assertOneLineError(AppTestSupport.runApp("run-torch", "no/such/model.safetensors", INPUT),
                "error: no such file: no/such/model.safetensors");
        assertOneLineError(AppTestSupport.runApp("run-torch", MODEL, "no/such/input.npy"),
                "error: no such file: no/such/input.npy");
    }

    @Test
    void wrongShapeIsOneLineAndExitTwo() throws Exception {
        Path bad = dir.resolve("bad.npy");
        Npy.write(bad, Tensor.zeros(7, 3, 4));   // the model takes 5 features
        AppTestSupport.Exit e = AppTestSupport.runApp("run-torch", MODEL, bad.toString());
        assertOneLineError(e, "error: ");
        assertThat(e.err()).contains("input.size(-1) must be equal to input_size. Expected 5, got 4");
    }

    @Test
    void modelOfAnotherArchitectureIsOneLineAndExitTwo() {
        AppTestSupport.Exit e = AppTestSupport.runApp("run-torch", "--arch", "LSTM", MODEL, INPUT);
        assertOneLineError(e, "error: ");
        assertThat(e.err()).contains("holds a GRU model", "not LSTM");
    }

    @Test
    void aFileThatIsNotAModelIsOneLineAndExitTwo() {
        AppTestSupport.Exit e = AppTestSupport.runApp("run-torch", EXPECTED, INPUT);
        assertOneLineError(e, "error: model file");
    }

    @Test
    void verboseShowsTheStackTrace() {
        AppTestSupport.Exit e = AppTestSupport.runApp("run-torch", "--verbose", "--arch", "LSTM", MODEL, INPUT);
        assertThat(e.code()).isEqualTo(2);
        assertThat(e.err()).contains("\tat dev.jrnn.examples.RunTorch");
    }

    @Test
    void badFlagsAreOneLineAndExitTwo() {
        assertOneLineError(AppTestSupport.runApp("--epochs", "0"), "error: --epochs must be at least 1, got 0");
        assertOneLineError(AppTestSupport.runApp("--no-such-flag"), "error: Unknown option: '--no-such-flag'");
        assertOneLineError(AppTestSupport.runApp("forecast", "--hidden", "x"), "error: Invalid value for option '--hidden'");
    }

    @Test
    void helpReadsWell() {
        AppTestSupport.Exit e = AppTestSupport.runApp("--help");
        assertThat(e.code()).isEqualTo(0);
        assertThat(e.out()).contains("Usage: examples/run", "segment", "charlm", "forecast", "varlen", "run-torch",
                "check-torch", "--seed", "--epochs", "--threads", "--hidden", "--out", "--verbose", "Exit codes");
        assertThat(e.out().lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(120));
    }

    static void assertOneLineError(AppTestSupport.Exit e, String prefix) {
        assertThat(e.code()).isEqualTo(2);
        assertThat(e.err().lines().filter(l -> !l.startsWith("WARNING")).toList()).singleElement()
                .asString().startsWith(prefix);
    }
}

package dev.jrnn.examples;

import dev.jrnn.interop.ModelFiles;
import dev.jrnn.io.Npy;
import dev.jrnn.io.Safetensors;
import dev.jrnn.io.SafetensorsFile;
import dev.jrnn.nn.GRU;
import dev.jrnn.nn.LSTM;
import dev.jrnn.nn.LSTMOutput;
import dev.jrnn.nn.RNN;
import dev.jrnn.nn.RNNBase;
import dev.jrnn.nn.RNNConfig;
import dev.jrnn.nn.RNNOutput;
import dev.jrnn.tensor.Tensor;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The PyTorch → Java deployment path: loads a model file written by {@code tools/export_torch.py} (any
 * {@code nn.RNN}, {@code nn.LSTM} or {@code nn.GRU}), runs it on an input file and prints the outputs;
 * with {@code --expect}, compares them with the outputs torch computed.
 */
@Command(name = "run-torch", usageHelpWidth = 110, header = "Runs a model exported from PyTorch (tools/export_torch.py) on an input file.",
        descriptionHeading = "%n", sortOptions = false, description = {
    "Loads a model exported from PyTorch by tools/export_torch.py (nn.RNN, nn.LSTM or nn.GRU), runs it in eval",
    "mode on INPUT and prints output and h_n (and c_n for an LSTM). INPUT is a .npy array or a .safetensors",
    "file with a tensor named 'input', shaped as the module expects: (L, N, H_in), or (N, L, H_in) when the",
    "model was built with batch_first=True. With --expect, compares with torch's outputs (exit code 1 if any",
    "differs by more than --atol).",
    "Bundled example (torch 1.13, tools/gen_examples_torch.py):",
    "  examples/run run-torch examples/data/torch/gru.safetensors examples/data/torch/input.npy \\",
    "      --expect examples/data/torch/expected.safetensors", ""})
final class RunTorch implements Callable<Integer> {

    @Mixin
    Options options = new Options();

    @Parameters(index = "0", paramLabel = "MODEL", description = "A jrnn model file (.safetensors).")
    Path model;

    @Parameters(index = "1", paramLabel = "INPUT", description = "The input: .npy, or .safetensors holding 'input'.")
    Path input;

    @Option(names = "--arch", paramLabel = "KIND", description = "Require this architecture: RNN, LSTM or GRU.")
    String arch;

    @Option(names = "--expect", paramLabel = "FILE", description = "A .safetensors with torch's 'output' and 'h_n'"
            + " (and 'c_n') for INPUT.")
    Path expect;

    @Option(names = "--atol", paramLabel = "TOL", description = "Tolerance of --expect (default: ${DEFAULT-VALUE}).")
    double atol = 1e-5;

    PrintStream out = System.out;

    /** What the run found: max |jrnn − torch| over all outputs, NaN without --expect. */
    double maxDiff = Double.NaN;

    @Override
    public Integer call() throws IOException {
        options.applyThreads();
        RNNBase m = load();
        Tensor x = readInput(input);
        out.printf("model  %s  %s, %,d parameters%n", model, m, m.numParameters());
        out.printf("input  %s  %s%n%n", input, x.shapeString());
        m.eval();
        Tensor output;
        Tensor hN;
        Tensor cN = null;
        if (m instanceof LSTM l) {
            LSTMOutput o = l.forward(x);
            output = o.output();
            hN = o.hN();
            cN = o.cN();
        } else {
            RNNOutput o = m instanceof GRU gr ? gr.forward(x) : ((RNN) m).forward(x);
            output = o.output();
            hN = o.hN();
        }
        print("output", output);
        print("h_n", hN);
        if (cN != null) {
            print("c_n", cN);
        }
        if (expect == null) {
            return 0;
        }
        SafetensorsFile e = Safetensors.read(expect);
        maxDiff = Math.max(diff("output", output, e), diff("h_n", hN, e));
        if (cN != null) {
            maxDiff = Math.max(maxDiff, diff("c_n", cN, e));
        }
        boolean ok = maxDiff <= atol;
        out.printf("%nPyTorch check against %s: max |jrnn - torch| = %.2e (tolerance %.0e) -> %s%n", expect, maxDiff,
                atol, ok ? "MATCH" : "MISMATCH");
        return ok ? 0 : 1;
    }

    /**
     * Builds the module the file describes and loads its weights strictly. (ModelFiles.load builds only
     * RNN_TANH/RNN_RELU on this branch, so LSTM and GRU are built here from the file's configuration.)
     */
    private RNNBase load() throws IOException {
        if (!Files.exists(model)) {
            throw new NoSuchFileException(model.toString());
        }
        RNNConfig c = ModelFiles.readConfig(model);
        String kind = c.mode().isPlainRnn() ? "RNN" : c.mode().name();
        if (arch != null) {
            String want = arch.toUpperCase(Locale.ROOT);
            if (!want.equals("RNN") && !want.equals("LSTM") && !want.equals("GRU")) {
                throw new IllegalArgumentException("--arch must be RNN, LSTM or GRU, got " + arch);
            }
            if (!want.equals(kind)) {
                throw new IllegalArgumentException(model + " holds a " + kind + " model (mode " + c.mode() + "), not " + want + " as --arch asks");
            }
        }
        RNNBase m = switch (kind) {
            case "LSTM" -> new LSTM(c);
            case "GRU" -> new GRU(c);
            default -> new RNN(c);
        };
        ModelFiles.loadStateDict(model, m, true);
        return m;
    }

    /** {@return the input tensor of a .npy file, or the tensor 'input' of a .safetensors file} */
    static Tensor readInput(Path p) throws IOException {
        if (!Files.exists(p)) {
            throw new NoSuchFileException(p.toString());
        }
        String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".npy")) {
            return Npy.read(p).tensor();
        }
        if (name.endsWith(".safetensors")) {
            SafetensorsFile f = Safetensors.read(p);
            if (!f.tensors().containsKey("input")) {
                throw new IOException(p + ": no tensor named 'input' (has " + f.tensors().keySet() + ")");
            }
            return f.tensor("input");
        }
        throw new IllegalArgumentException(p + ": expected a .npy or .safetensors input file");
    }

    private double diff(String name, Tensor mine, SafetensorsFile e) throws IOException {
        if (!e.tensors().containsKey(name)) {
            throw new IOException(expect + ": no tensor named '" + name + "'");
        }
        Tensor t = e.tensor(name);
        if (!t.sameShape(mine)) {
            throw new IllegalArgumentException(expect + ": '" + name + "' has shape " + t.shapeString() + ", jrnn computed "
                    + mine.shapeString());
        }
        return mine.sub(t).abs().max().item();
    }

    /** Prints a tensor's shape and its values, the last dimension on one line, at most 8 lines. */
    private void print(String name, Tensor t) {
        out.printf("%s %s%n", name, t.shapeString());
        int[] s = t.shape();
        int last = s[s.length - 1];
        float[] v = t.contiguous().toArray();
        int rows = last == 0 ? 0 : v.length / last;
        for (int r = 0; r < Math.min(rows, 8); r++) {
            StringBuilder b = new StringBuilder("  ");
            int[] idx = new int[s.length - 1];
            int rem = r;
            for (int d = s.length - 2; d >= 0; d--) {
                idx[d] = rem % s[d];
                rem /= s[d];
            }
            b.append(java.util.Arrays.toString(idx)).append(' ');
            for (int c = 0; c < Math.min(last, 8); c++) {
                b.append(String.format(Locale.ROOT, "%9.5f", v[r * last + c]));
            }
            if (last > 8) {
                b.append("  ... (").append(last).append(" values)");
            }
            out.println(b);
        }
        if (rows > 8) {
            out.printf("  ... (%d rows)%n", rows);
        }
    }
}

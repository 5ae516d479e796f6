package dev.jrnn.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The other tasks on tiny settings: they run, learn something, and write their PNGs. */
class OtherTasksTest {

    @TempDir
    Path dir;

    @Test
    void forecastBeatsTheNaiveForecastAndPlots() throws Exception {
        AppTestSupport.Captured out = new AppTestSupport.Captured();
        Forecast f = AppTestSupport.parse(new Forecast(), "--epochs", "25", "--out", dir.toString());
        f.out = out.stream;
        Forecast.Result r = f.run();
        assertThat(r.rmse()).isLessThan(r.naiveRmse());
        BufferedImage img = AppTestSupport.image(r.png());
        assertThat(img.getWidth()).isEqualTo(1000);
        assertThat(img.getHeight()).isEqualTo(450);
    }

    @Test
    void charLmLossFallsAndSamplesAreText() throws Exception {
        AppTestSupport.Captured out = new AppTestSupport.Captured();
        CharLm c = AppTestSupport.parse(new CharLm(), "--epochs", "2", "--windows", "300", "--hidden", "32",
                "--out", dir.toString());
        c.out = out.stream;
        CharLm.Result r = c.run();
        assertThat(r.trainLosses().get(1)).isLessThan(r.trainLosses().get(0));
        assertThat(r.valLosses().get(1)).isLessThan(Math.log(Text.V));   // better than uniform guessing
        assertThat(r.samples()).hasSize(2).allSatisfy(s -> assertThat(s).hasSize(160));
        assertThat(AppTestSupport.image(r.png()).getWidth()).isEqualTo(800);
    }

    @Test
    void varLenClassifiesWholeVersesAboveChance() throws Exception {
        AppTestSupport.Captured out = new AppTestSupport.Captured();
        VarLen v = AppTestSupport.parse(new VarLen(), "--epochs", "1", "--train", "200", "--hidden", "32");
        v.out = out.stream;
        VarLen.Result r = v.run();
        assertThat(r.valAccuracy()).isGreaterThan(0.45);   // chance: 1/3
        assertThat(out.text()).contains("no packed sequences in jrnn yet (issue 6)");
    }

    @Test
    void checkTorchMatches() {
        AppTestSupport.Exit e = AppTestSupport.runApp("check-torch");
        assertThat(e.code()).isEqualTo(0);
        assertThat(e.out()).contains("MATCH");
    }
}

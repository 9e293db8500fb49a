package io.github.camelllm.observe;

import io.github.camelllm.OpenAiStubs;
import io.github.camelllm.PipelineFixture;
import io.github.camelllm.run.RunSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.github.camelllm.OpenAiStubs.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The status page in a real headless browser (Debian's chromium and chromium-driver): it loads with no error in
 * the browser's console and its progress bar moves while a slow run goes. With {@code -Dscreenshot=PATH} (relative
 * to the project's top folder) it saves a screenshot of the page there.
 */
class StatusPageBrowserTest {

    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String DRIVER = "/usr/bin/chromedriver";

    @RegisterExtension
    final OpenAiStubs api = new OpenAiStubs(options().dynamicPort().containerThreads(20));
    @RegisterExtension
    final PipelineFixture pipeline = new PipelineFixture(api).with("llm.management.port", "0")
            .with("llm.management.host", "127.0.0.1");

    @TempDir
    Path profile;

    @Test
    void the_page_shows_a_run_moving_and_logs_no_error() throws Exception {
        assertThat(new File(DRIVER)).as("chromium-driver (apt-get install -y chromium chromium-driver)").exists();
        api.answerChats(ok("slow").withFixedDelay(100));
        String screenshot = System.getProperty("screenshot");
        boolean picture = screenshot != null && !screenshot.isBlank();
        // the picture wants a run that lasts long enough for the chart to show its history: ~20 s
        int prompts = picture ? 1600 : 120;
        pipeline.with("llm.concurrency", picture ? "8" : "2").with("llm.model", "gpt-4o-mini").start();
        RunSummary first = pipeline.run(pipeline.write("warm-up.jsonl", PipelineFixture.prompts(20)));
        assertThat(first.succeeded()).isEqualTo(20);
        Path file = pipeline.write("slow-run.jsonl", PipelineFixture.prompts(prompts));
        int port = pipeline.app().pipeline().observer().managementPort();

        // the page is open before the run starts: a browser that starts slowly cannot miss it
        ChromeDriver browser = browser();
        CompletableFuture<RunSummary> run = null;
        try {
            browser.get("http://127.0.0.1:" + port + "/");
            await().atMost(20, TimeUnit.SECONDS).until(() -> browser.findElement(By.id("recent")).getText()
                    .contains("warm-up.jsonl"));
            run = CompletableFuture.supplyAsync(() -> pipeline.app().submitFile(file)).thenCompose(f -> f);
            By bar = By.cssSelector("progress.run-progress");
            await().atMost(20, TimeUnit.SECONDS).until(() -> value(browser, bar) > 0);
            double before = value(browser, bar);
            await().atMost(20, TimeUnit.SECONDS).until(() -> value(browser, bar) > before);
            assertThat(browser.findElement(By.id("recent")).getText()).contains("warm-up.jsonl");
            assertThat(browser.findElement(By.id("state")).getText()).isEqualTo("calls flowing");

            if (picture) {
                // taken mid-run, with some seconds of history in the chart
                await().atMost(60, TimeUnit.SECONDS).until(() -> value(browser, bar) >= prompts * 0.55);
                Path target = Path.of(System.getProperty("project.root", ".")).resolve(screenshot);
                Files.createDirectories(target.toAbsolutePath().getParent());
                Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), target,
                        StandardCopyOption.REPLACE_EXISTING);
            }
            List<LogEntry> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                    .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue()).toList();
            assertThat(errors).as("the browser console").isEmpty();
        } finally {
            browser.quit();
        }
        assertThat(run.get(60, TimeUnit.SECONDS).succeeded()).isEqualTo(prompts);
    }

    /** The bar's value, or -1 while there is none. */
    private static double value(ChromeDriver browser, By bar) {
        List<WebElement> bars = browser.findElements(bar);
        if (bars.isEmpty()) {
            return -1;
        }
        try {
            return Double.parseDouble(bars.get(0).getDomProperty("value"));
        } catch (org.openqa.selenium.StaleElementReferenceException e) {
            return -1; // the table was drawn again meanwhile
        }
    }

    private ChromeDriver browser() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                "--window-size=1280,900", "--user-data-dir=" + profile.toAbsolutePath());
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER))
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }
}

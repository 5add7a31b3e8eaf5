/*
 * The `softmax` command line: picocli top command with the subcommands devices, eval, run, verify,
 * demo, generate, bench and tune. Results go to stdout, logs and progress to stderr. Exit codes: 0 success,
 * 1 verification or runtime failure, 2 usage error; every error is one line on stderr, never a
 * stack trace (unless -v asks for one on an unexpected error, or for the compiler's log of a
 * kernel that does not build).
 */
package io.github.softmaxcl.cli;

import io.github.softmaxcl.SoftmaxException;
import io.github.softmaxcl.cl.ClBuildException;
import io.github.softmaxcl.exec.EngineConfig;
import io.github.softmaxcl.verify.BackendFactory;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/** Entry point of the command line. */
@Command(name = "softmax",
        description = "Row-wise softmax on OpenCL devices, verified against a CPU reference.",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {DevicesCommand.class, EvalCommand.class, RunCommand.class, VerifyCommand.class,
            DemoCommand.class, GenerateCommand.class, BenchCommand.class, TuneCommand.class},
        footer = {"", "Exit codes: 0 success, 1 verification or runtime failure, 2 usage error.",
            "Device selection: --device gpu|cpu|accelerator|P:D|NAME, or the SOFTMAX_CL_DEVICE environment variable;",
            "run and bench also take 'all' or a list (0:0,0:1) to split rows over several devices."})
public final class Main implements Callable<Integer> {
    /** Exit code of a verification or runtime failure. */
    public static final int FAILURE = 1;
    /** Exit code of a usage error. */
    public static final int USAGE = 2;

    private static volatile boolean verbose;

    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, scope = ScopeType.INHERIT,
            description = "Show this help and exit.")
    boolean help;

    final BackendFactory backends;
    final UnaryOperator<StreamingSoftmax.ChunkSource> sourceFilter;
    final UnaryOperator<StreamingSoftmax.ChunkSink> sinkFilter;
    /** What the engines of {@code run} and {@code verify --soak} are opened with, before --device. */
    final EngineConfig engines;

    /** The command line as shipped: the real engine, real files. */
    public Main() {
        this(BackendFactory.ENGINE_VARIANTS, UnaryOperator.identity(), UnaryOperator.identity());
    }

    /**
     * A command line with substitutes, for tests.
     *
     * @param backends what {@code verify} verifies on each device
     * @param sourceFilter wraps the input source of {@code run} (e.g. to make it fail mid-run)
     * @param sinkFilter wraps the output sink of {@code run} (e.g. to simulate a full disk)
     */
    public Main(BackendFactory backends, UnaryOperator<StreamingSoftmax.ChunkSource> sourceFilter,
            UnaryOperator<StreamingSoftmax.ChunkSink> sinkFilter) {
        this(backends, sourceFilter, sinkFilter, EngineConfig.DEFAULT);
    }

    /**
     * A command line whose {@code run} and {@code verify --soak} open their engines with internal
     * options, for tests (fault injection); deliberately no option of the command line itself.
     */
    Main(BackendFactory backends, UnaryOperator<StreamingSoftmax.ChunkSource> sourceFilter,
            UnaryOperator<StreamingSoftmax.ChunkSink> sinkFilter, EngineConfig engines) {
        this.backends = backends;
        this.sourceFilter = sourceFilter;
        this.sinkFilter = sinkFilter;
        this.engines = engines;
    }

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Debug logging on stderr, and stack traces for unexpected errors.")
    void setVerbose(boolean v) {
        verbose = v;
        if (v && LoggerFactory.getLogger("io.github.softmaxcl") instanceof ch.qos.logback.classic.Logger l) {
            l.setLevel(ch.qos.logback.classic.Level.DEBUG);
        }
    }

    /**
     * The project's log level for the length of one command (e.g. {@code run -q}: warnings and
     * errors only); closing restores the level it replaced, so in-process callers (tests) are not
     * left with a changed level.
     */
    static final class LogLevel implements AutoCloseable {
        private final ch.qos.logback.classic.Logger logger;
        private final ch.qos.logback.classic.Level previous;

        private LogLevel(ch.qos.logback.classic.Level level) {
            // Without Logback (a library user's classpath) there is no level to change.
            this.logger = level != null && LoggerFactory.getLogger("io.github.softmaxcl")
                    instanceof ch.qos.logback.classic.Logger l ? l : null;
            this.previous = logger != null ? logger.getLevel() : null;
            if (logger != null) {
                logger.setLevel(level);
            }
        }

        /** @return a scope in which the project logs warnings and errors only */
        static LogLevel warningsOnly() {
            return new LogLevel(ch.qos.logback.classic.Level.WARN);
        }

        /** @return a scope that changes nothing */
        static LogLevel unchanged() {
            return new LogLevel(null);
        }

        @Override
        public void close() {
            if (logger != null) {
                logger.setLevel(previous);
            }
        }
    }

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("softmax: missing command");
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }

    /**
     * Builds the configured command line: exception mapping to exit codes, case-insensitive enums.
     *
     * @param main the top command
     * @return the command line; call {@code execute(args)}
     */
    public static CommandLine commandLine(Main main) {
        CommandLine cl = new CommandLine(main)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(Main::handle)
                .setParameterExceptionHandler(Main::usageError);
        // So that `eval -inf 0 1` reads -inf as a number; an unknown option there fails as "not a number".
        cl.getSubcommands().get("eval").setUnmatchedOptionsArePositionalParams(true);
        return cl;
    }

    /**
     * Runs the command line and exits with its code.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        System.exit(commandLine(new Main()).execute(args));
    }

    /** A usage error: the message and a pointer to --help rather than the whole usage text. */
    static int usageError(ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println(cl.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
        UnmatchedArgumentException.printSuggestions(ex, err);
        err.println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return USAGE;
    }

    /** Maps an exception thrown by a command to a one-line message and an exit code. */
    static int handle(Exception ex, CommandLine cl, ParseResult parsed) {
        PrintWriter err = cl.getErr();
        int code;
        String message;
        if (ex instanceof IllegalArgumentException) {
            code = USAGE;
            message = ex.getMessage();
        } else if (ex instanceof NoSuchFileException e) {
            code = FAILURE;
            message = "no such file: " + e.getFile();
        } else if (ex instanceof AccessDeniedException e) {
            code = FAILURE;
            message = "permission denied: " + e.getFile();
        } else if ((ex instanceof ClBuildException || ex.getCause() instanceof ClBuildException) && !verbose) {
            // The compiler's log runs to many lines; the error itself stays one. (A device group
            // wraps its device's build failure in one naming the device.)
            code = FAILURE;
            message = ex.getMessage().lines().findFirst().orElse("").replaceAll(":$", "")
                    + " (run with -v for the compiler's log)";
        } else if (ex instanceof IOException || ex instanceof UncheckedIOException || ex instanceof SoftmaxException
                || ex instanceof UnsupportedOperationException || ex instanceof CommandFailedException) {
            code = FAILURE;
            message = ex.getMessage() != null ? ex.getMessage() : ex.toString();
        } else {
            code = FAILURE;
            message = "unexpected error: " + ex + (verbose ? "" : " (run with -v for the stack trace)");
            if (verbose) {
                ex.printStackTrace(err);
            }
        }
        err.println(cl.getCommandSpec().qualifiedName() + ": " + message);
        err.flush();
        return code;
    }
}

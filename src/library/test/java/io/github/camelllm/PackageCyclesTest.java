package io.github.camelllm;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.util.List;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The library's packages depend on each other in one direction only, so that each can be read, tested and changed
 * on its own: model and json at the bottom, then openai (the API edge), flow (the gate, the slots, the retry
 * policy), run, intake, batch and schedule, wiring, and the root package (LlmPipeline, LlmPipelines) on top.
 */
class PackageCyclesTest {

    private static final String ROOT = "io.github.camelllm";

    /** The library's own classes: the folder or jar LlmPipeline was loaded from, without the simulator's. */
    private static final JavaClasses LIBRARY = importLibrary();

    /** Each package directly under the root, with its subpackages, is one slice; the root package is one too. */
    private static final SliceAssignment PACKAGES = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
            String name = javaClass.getPackageName();
            if (name.equals(ROOT)) {
                return SliceIdentifier.of("(root: LlmPipeline, LlmPipelines)");
            }
            if (name.startsWith(ROOT + ".")) {
                return SliceIdentifier.of(name.substring(ROOT.length() + 1).split("\\.")[0]);
            }
            return SliceIdentifier.ignore();
        }

        @Override
        public String getDescription() {
            return "the packages of " + ROOT + " (the root package one of them)";
        }
    };

    private static JavaClasses importLibrary() {
        try {
            Location classes = Location.of(LlmPipeline.class.getProtectionDomain().getCodeSource().getLocation()
                    .toURI());
            return new ClassFileImporter().importLocations(List.of(classes));
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void the_rules_see_the_whole_library() {
        // a wrong location would let the rules below pass on nothing
        assertThat(LIBRARY.contain(LlmPipeline.class)).isTrue();
        assertThat(LIBRARY.contain(io.github.camelllm.wiring.PipelineBeans.class)).isTrue();
        assertThat(LIBRARY.stream().map(JavaClass::getPackageName).distinct())
                .contains(ROOT, ROOT + ".model", ROOT + ".json", ROOT + ".openai", ROOT + ".flow", ROOT + ".run",
                        ROOT + ".intake", ROOT + ".batch", ROOT + ".schedule", ROOT + ".config", ROOT + ".wiring")
                .noneMatch(name -> name.startsWith(ROOT + ".sim"));
    }

    @Test
    void no_package_cycles() {
        slices().assignedFrom(PACKAGES).should().beFreeOfCycles().check(LIBRARY);
    }

    @Test
    void nothing_depends_on_the_entry_points() {
        noClasses().that().resideOutsideOfPackage(ROOT)
                .should().dependOnClassesThat().resideInAPackage(ROOT)
                .because("LlmPipeline and LlmPipelines use every part of the library, so a part that used them "
                        + "would make a cycle")
                .check(LIBRARY);
    }
}

package io.k8sensus.routes;

import java.util.Collection;
import java.util.List;

/**
 * The Maven project that resolves the components the routes use beyond the image: each artifact without a version
 * (Camel's BOM, {@code org.apache.camel:camel-bom} at the image's Camel version, has it), less what the image has
 * (excluded from every one); {@code mvn -f pom.xml package} copies them and their dependencies beside the pom and
 * writes {@code k8sensus-components.jar}, whose manifest lists them: the name k8sensus.jar's own manifest reaches at
 * {@code components/}.
 */
final class ComponentsPom {

    /** The jar k8sensus.jar's manifest names ({@code components/k8sensus-components.jar}). */
    static final String JAR_NAME = "k8sensus-components";
    /** The plugins the project builds with, so that a build that made the jar has them all already. */
    private static final List<String[]> PLUGINS = List.of(
            new String[] {"maven-resources-plugin", "3.3.1"},
            new String[] {"maven-compiler-plugin", "3.13.0"},
            new String[] {"maven-surefire-plugin", "3.5.4"},
            new String[] {"maven-jar-plugin", "3.4.2"},
            new String[] {"maven-dependency-plugin", "3.8.1"});

    private ComponentsPom() {}

    static String of(String camelVersion, Collection<String> artifacts, Collection<String> inImage) {
        StringBuilder pom = new StringBuilder("""
                <?xml version="1.0" encoding="UTF-8"?>
                <!-- Written by `k8sensus components`: the Camel components the routes use beyond the image, resolved by
                     `mvn -f pom.xml package` into this directory, with k8sensus-components.jar listing them. -->
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>io.k8sensus</groupId>
                  <artifactId>k8sensus-components</artifactId>
                  <version>1</version>
                  <properties>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                    <maven.test.skip>true</maven.test.skip>
                  </properties>
                  <dependencyManagement>
                    <dependencies>
                      <dependency>
                        <groupId>org.apache.camel</groupId><artifactId>camel-bom</artifactId><version>%s</version>
                        <type>pom</type><scope>import</scope>
                      </dependency>
                    </dependencies>
                  </dependencyManagement>
                  <dependencies>
                """.formatted(camelVersion));
        for (String artifact : artifacts) {
            String[] ga = artifact.split(":");
            pom.append("    <dependency>\n      <groupId>")
                    .append(ga[0])
                    .append("</groupId><artifactId>")
                    .append(ga[1])
                    .append("</artifactId>\n      <exclusions>\n");
            for (String had : inImage) {
                String[] excluded = had.split(":");
                pom.append("        <exclusion><groupId>")
                        .append(excluded[0])
                        .append("</groupId><artifactId>")
                        .append(excluded[1])
                        .append("</artifactId></exclusion>\n");
            }
            pom.append("      </exclusions>\n    </dependency>\n");
        }
        pom.append("  </dependencies>\n  <build>\n    <directory>${project.basedir}/build</directory>\n"
                + "    <pluginManagement>\n      <plugins>\n");
        for (String[] plugin : PLUGINS) {
            pom.append("        <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>")
                    .append(plugin[0])
                    .append("</artifactId><version>")
                    .append(plugin[1])
                    .append("</version></plugin>\n");
        }
        pom.append("""
                      </plugins>
                    </pluginManagement>
                    <plugins>
                      <plugin>
                        <artifactId>maven-dependency-plugin</artifactId>
                        <executions>
                          <execution>
                            <phase>package</phase>
                            <goals><goal>copy-dependencies</goal></goals>
                            <configuration>
                              <includeScope>runtime</includeScope>
                              <outputDirectory>${project.basedir}</outputDirectory>
                            </configuration>
                          </execution>
                        </executions>
                      </plugin>
                      <plugin>
                        <artifactId>maven-jar-plugin</artifactId>
                        <configuration>
                          <finalName>%s</finalName>
                          <outputDirectory>${project.basedir}</outputDirectory>
                          <archive>
                            <addMavenDescriptor>false</addMavenDescriptor>
                            <manifest><addClasspath>true</addClasspath></manifest>
                          </archive>
                        </configuration>
                      </plugin>
                    </plugins>
                  </build>
                </project>
                """.formatted(JAR_NAME));
        return pom.toString();
    }
}

package uk.quill.testfhir;

import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.orm.jpa.HibernateJpaAutoConfiguration;

/**
 * Entry point of Quill's test-only HAPI FHIR R4 JPA server.
 *
 * <p>Usage: {@code java -cp quill-test-fhir.jar:lib/* uk.quill.testfhir.QuillTestFhirServer [port] [--spring.opts...]}.
 * A bare number as the first argument becomes {@code --server.port}; otherwise the port comes from
 * {@code QUILL_HAPI_PORT}, then {@code SERVER_PORT}, then 8080. The FHIR base is {@code http://127.0.0.1:<port>/fhir}.
 */
// HAPI builds its own entity manager (HAPI_PU) and manages its schema itself, so Boot's JPA and Flyway set-up stay off.
@SpringBootApplication(exclude = {HibernateJpaAutoConfiguration.class, FlywayAutoConfiguration.class})
public class QuillTestFhirServer {

	public static void main(String[] args) {
		List<String> springArgs = new ArrayList<>();
		int first = 0;
		if (args.length > 0 && args[0].matches("\\d{1,5}")) {
			springArgs.add("--server.port=" + args[0]);
			first = 1;
		} else {
			String envPort = System.getenv("QUILL_HAPI_PORT");
			if (envPort != null && envPort.matches("\\d{1,5}")) {
				springArgs.add("--server.port=" + envPort);
			}
		}
		for (int i = first; i < args.length; i++) {
			springArgs.add(args[i]);
		}
		SpringApplication.run(QuillTestFhirServer.class, springArgs.toArray(new String[0]));
	}
}

package uk.quill.mhdclient;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Enumerations.DocumentReferenceStatus;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.ListResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.IHttpClient;
import ca.uhn.fhir.rest.client.api.IHttpRequest;
import ca.uhn.fhir.rest.client.api.IHttpResponse;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;

/**
 * An IHE MHD Document Source and Document Consumer built only on HAPI FHIR's client library: it makes an ITI-65
 * Provide Document Bundle with HAPI's R4 model classes (a SubmissionSet List, a DocumentReference whose bytes are a
 * Binary referenced by urn:uuid, one whose bytes are inline), sends it with the generic client's transaction(), sends
 * one with a wrong attachment.hash and reads the refusal, then finds and reads the result as HAPI's client parses it:
 * ITI-67 (DocumentReference?patient.identifier=...), ITI-66 (List?patient.identifier=...&code=submissionset), the
 * DocumentReference and List reads, and ITI-68 (the bytes through attachment.url, compared with what was sent).
 *
 * Usage: QUILL_TOKEN=... MhdClient RECIPIENT_BASE NHS_NUMBER [RESPONDER_BASE]
 *   RECIPIENT_BASE  the Document Recipient's FHIR base (the store's .../fhir), called with the bearer token in
 *                   QUILL_TOKEN (an environment variable, so it is never on a command line)
 *   RESPONDER_BASE  where ITI-66/67 are asked (default: the recipient); another server (HAPI) is called without a
 *                   token and polled until the outbox has written the documents there (at most 90 s)
 * Prints one JSON line (the ids and what each step saw) and exits 0; on any check failing, prints why and exits 1.
 */
public final class MhdClient {
	static final String NHS = "https://fhir.nhs.uk/Id/nhs-number";
	static final String SNOMED = "http://snomed.info/sct";
	static final String MHD_LIST_TYPES = "https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes";
	static final String URI = "urn:ietf:rfc:3986";

	public static void main(String[] args) throws Exception {
		String token = System.getenv("QUILL_TOKEN");
		if (args.length < 2 || token == null || token.isEmpty()) {
			System.err.println("usage: QUILL_TOKEN=<bearer token> MhdClient RECIPIENT_BASE NHS_NUMBER [RESPONDER_BASE]");
			System.exit(2);
		}
		try {
			System.out.println(run(args[0], token, args[1], args.length > 2 ? args[2] : args[0]));
		} catch (CheckFailed e) {
			System.err.println("MHD client check failed: " + e.getMessage());
			System.exit(1);
		}
	}

	static final class CheckFailed extends Exception {
		CheckFailed(String m) {
			super(m);
		}
	}

	static void check(boolean ok, String what) throws CheckFailed {
		if (!ok) throw new CheckFailed(what);
	}

	static String run(String recipientBase, String token, String nhs, String responderBase) throws Exception {
		FhirContext ctx = FhirContext.forR4();
		ctx.getRestfulClientFactory().setSocketTimeout(120_000);
		IGenericClient recipient = ctx.newRestfulGenericClient(recipientBase);
		recipient.registerInterceptor(new BearerTokenAuthInterceptor(token));
		boolean sameServer = responderBase.equals(recipientBase);
		IGenericClient responder = sameServer ? recipient : ctx.newRestfulGenericClient(responderBase);
		Map<String, Object> report = new LinkedHashMap<>();

		// ---- ITI-65: the Document Source ----
		byte[] pdf = ("%PDF-1.4\n1 0 obj\n<< /Title (MHD client " + UUID.randomUUID() + ") >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n").getBytes(StandardCharsets.ISO_8859_1);
		byte[] text = ("Clinic letter written by the HAPI FHIR client, " + UUID.randomUUID() + "\n").getBytes(StandardCharsets.UTF_8);
		Provided sent = provideBundle(nhs, pdf, text, false);
		Bundle response = recipient.transaction().withBundle(sent.bundle).execute();
		check(response.getType() == Bundle.BundleType.TRANSACTIONRESPONSE, "the answer is a transaction-response, not " + response.getType());
		check(response.getEntry().size() == sent.bundle.getEntry().size(), "one response entry per request entry");
		List<String> statuses = new ArrayList<>();
		List<String> locations = new ArrayList<>();
		for (Bundle.BundleEntryComponent e : response.getEntry()) {
			statuses.add(e.getResponse().getStatus());
			locations.add(e.getResponse().getLocation());
			check(e.getResponse().getStatus().startsWith("201"), "each entry is created: " + e.getResponse().getStatus());
			check(e.getResponse().getEtag() != null && !e.getResponse().getEtag().isEmpty(), "each entry has an etag");
		}
		// request order: List, DocumentReference (Binary), DocumentReference (inline), Binary
		String listId = idPart(locations.get(0), "List");
		String docA = idPart(locations.get(1), "DocumentReference");
		String docB = idPart(locations.get(2), "DocumentReference");
		check(locations.get(3).equals("Binary/" + docA), "the Binary's location names the document it became: " + locations.get(3));
		report.put("statuses", statuses);
		report.put("list", listId);
		report.put("documents", List.of(docA, docB));
		report.put("sha256", List.of(hex(sha256(pdf)), hex(sha256(text))));

		// a refused bundle: HAPI's client raises the OperationOutcome, which names the entry and the code
		Provided wrong = provideBundle(nhs, pdf, text, true);
		try {
			recipient.transaction().withBundle(wrong.bundle).execute();
			throw new CheckFailed("a bundle with a wrong attachment.hash was accepted");
		} catch (BaseServerResponseException e) {
			OperationOutcome oo = (OperationOutcome) e.getOperationOutcome();
			check(oo != null, "the refusal carries an OperationOutcome (HTTP " + e.getStatusCode() + ")");
			OperationOutcome.OperationOutcomeIssueComponent issue = oo.getIssueFirstRep();
			Map<String, Object> refusal = new LinkedHashMap<>();
			refusal.put("status", e.getStatusCode());
			refusal.put("code", issue.getDetails().getCodingFirstRep().getCode());
			refusal.put("expression", issue.getExpression().isEmpty() ? "" : issue.getExpression().get(0).getValue());
			report.put("refusal", refusal);
		}

		// ---- ITI-67 / ITI-66 / reads / ITI-68: the Document Consumer ----
		Map<String, DocumentReference> found = new LinkedHashMap<>();
		long until = System.currentTimeMillis() + 90_000;
		ListResource list = null;
		for (;;) {
			found.clear();
			Bundle page = responder.search().forResource(DocumentReference.class)
				.where(DocumentReference.PATIENT.hasChainedProperty(Patient.IDENTIFIER.exactly().systemAndCode(NHS, nhs)))
				.returnBundle(Bundle.class).execute();
			while (page != null) {
				for (Bundle.BundleEntryComponent e : page.getEntry()) {
					DocumentReference dr = (DocumentReference) e.getResource();
					found.put(dr.getMasterIdentifier().getValue(), dr);
				}
				page = page.getLink(Bundle.LINK_NEXT) != null ? responder.loadPage().next(page).execute() : null;
			}
			Bundle lists = responder.search().forResource(ListResource.class)
				.where(ListResource.PATIENT.hasChainedProperty(Patient.IDENTIFIER.exactly().systemAndCode(NHS, nhs)))
				.and(ListResource.CODE.exactly().systemAndCode(MHD_LIST_TYPES, "submissionset"))
				.returnBundle(Bundle.class).execute();
			list = null;
			for (Bundle.BundleEntryComponent e : lists.getEntry()) {
				ListResource l = (ListResource) e.getResource();
				if (l.getIdElement().getIdPart().equals(listId)) list = l;
			}
			boolean complete = found.containsKey("urn:uuid:" + docA) && found.containsKey("urn:uuid:" + docB) && list != null;
			if (complete || sameServer || System.currentTimeMillis() > until) break;
			Thread.sleep(500); // the recipient writes the responder through its outbox
		}
		check(found.containsKey("urn:uuid:" + docA) && found.containsKey("urn:uuid:" + docB), "ITI-67 finds both documents at " + responderBase + " (found " + found.keySet() + ")");
		check(found.size() == 2, "ITI-67 finds only the documents of the accepted bundle (found " + found.size() + ")");
		check(list != null, "ITI-66 finds the SubmissionSet List/" + listId + " at " + responderBase);
		check(list.getEntry().size() == 2, "the SubmissionSet lists both documents");
		check(list.getSubject().getIdentifier().getValue().equals(nhs), "the SubmissionSet's subject is the patient");
		report.put("iti67", found.size());
		report.put("iti66", list.getIdElement().getIdPart());

		List<String> retrieved = new ArrayList<>();
		int i = 0;
		for (String id : List.of(docA, docB)) {
			byte[] expected = i++ == 0 ? pdf : text;
			DocumentReference dr = found.get("urn:uuid:" + id);
			// a read by id, as the responder names it
			DocumentReference read = responder.read().resource(DocumentReference.class).withId(dr.getIdElement().getIdPart()).execute();
			check(read.getMasterIdentifier().getValue().equals("urn:uuid:" + id), "the read returns the same document");
			Attachment a = read.getContentFirstRep().getAttachment();
			check(a.getSize() == expected.length, "attachment.size is the size sent");
			check(Base64.getEncoder().encodeToString(a.getHash()).equals(Base64.getEncoder().encodeToString(sha1(expected))), "attachment.hash is the SHA-1 of the bytes sent");
			// ITI-68: the bytes through attachment.url (the store's own retrieve endpoint, with the token)
			byte[] bytes = retrieve(ctx, a.getUrl(), token, a.getContentType());
			check(MessageDigest.isEqual(bytes, expected), "ITI-68 returns the bytes sent for " + id);
			retrieved.add(hex(sha256(bytes)));
		}
		report.put("iti68", retrieved);
		ListResource readList = recipient.read().resource(ListResource.class).withId(listId).execute();
		check(readList.getEntry().size() == 2 && readList.getEntry().get(0).getItem().getReference().equals("DocumentReference/" + docA), "the List read names the documents in order");
		return json(report);
	}

	/**
	 * ITI-68 Retrieve Document: a plain GET of attachment.url answered in the document's own type. The generic client
	 * parses only FHIR answers (a raw one is NonFhirResponseException), so this goes through the HTTP layer of the
	 * same library (the client factory's IHttpClient), as the generic client's own requests do.
	 */
	static byte[] retrieve(FhirContext ctx, String url, String token, String contentType) throws Exception {
		IHttpClient http = ctx.getRestfulClientFactory().getHttpClient(new StringBuilder(url), null, null, RequestTypeEnum.GET, new ArrayList<>());
		IHttpRequest request = http.createGetRequest(ctx, null);
		request.removeHeaders("Accept");
		request.addHeader("Accept", contentType);
		request.addHeader("Authorization", "Bearer " + token);
		IHttpResponse response = request.execute();
		try {
			check(response.getStatus() == 200, "ITI-68 answers 200, not " + response.getStatus() + " for " + url);
			check(contentType.equals(response.getMimeType()), "ITI-68 answers " + contentType + ", not " + response.getMimeType());
			try (InputStream in = response.readEntity()) {
				return in.readAllBytes();
			}
		} finally {
			response.close();
		}
	}

	record Provided(Bundle bundle) {}

	/** An ITI-65 bundle (Comprehensive Metadata), built with HAPI's model classes. */
	static Provided provideBundle(String nhs, byte[] pdf, byte[] text, boolean wrongHash) throws Exception {
		Bundle bundle = new Bundle();
		bundle.setType(Bundle.BundleType.TRANSACTION);
		bundle.getMeta().addProfile("https://profiles.ihe.net/ITI/MHD/StructureDefinition/IHE.MHD.Comprehensive.ProvideBundle");
		String listUrl = "urn:uuid:" + UUID.randomUUID();
		String drA = "urn:uuid:" + UUID.randomUUID();
		String drB = "urn:uuid:" + UUID.randomUUID();
		String bin = "urn:uuid:" + UUID.randomUUID();
		Reference subject = new Reference().setIdentifier(new Identifier().setSystem(NHS).setValue(nhs));

		ListResource list = new ListResource();
		list.getMeta().addProfile("https://profiles.ihe.net/ITI/MHD/StructureDefinition/IHE.MHD.Comprehensive.SubmissionSet");
		list.addExtension("https://profiles.ihe.net/ITI/MHD/StructureDefinition/ihe-sourceId", new Identifier().setValue("urn:oid:1.3.6.1.4.1.21367.2017.2.5.45"));
		list.addIdentifier().setUse(Identifier.IdentifierUse.USUAL).setSystem(URI).setValue("urn:oid:1.3.6.1.4.1.21367.2017.2.5.45." + System.nanoTime());
		list.addIdentifier().setUse(Identifier.IdentifierUse.OFFICIAL).setSystem(URI).setValue("urn:uuid:" + UUID.randomUUID());
		list.setStatus(ListResource.ListStatus.CURRENT);
		list.setMode(ListResource.ListMode.WORKING);
		list.setCode(new CodeableConcept(new Coding(MHD_LIST_TYPES, "submissionset", "SubmissionSet as a FHIR List")));
		list.setSubject(subject.copy());
		list.setDate(new Date());
		list.addEntry().setItem(new Reference(drA));
		list.addEntry().setItem(new Reference(drB));
		bundle.addEntry().setFullUrl(listUrl).setResource(list).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("List");

		DocumentReference a = documentReference(subject, "373942005", "Discharge summary", "application/pdf", pdf);
		a.getContentFirstRep().getAttachment().setUrl(bin);
		if (wrongHash) a.getContentFirstRep().getAttachment().setHash(sha1("something else".getBytes(StandardCharsets.UTF_8)));
		bundle.addEntry().setFullUrl(drA).setResource(a).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("DocumentReference");
		DocumentReference b = documentReference(subject, "371530004", "Clinic letter", "text/plain", text);
		b.getContentFirstRep().getAttachment().setData(text);
		bundle.addEntry().setFullUrl(drB).setResource(b).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("DocumentReference");

		Binary binary = new Binary();
		binary.setContentType("application/pdf");
		binary.setData(pdf);
		bundle.addEntry().setFullUrl(bin).setResource(binary).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Binary");
		return new Provided(bundle);
	}

	static DocumentReference documentReference(Reference subject, String type, String title, String contentType, byte[] bytes) throws Exception {
		DocumentReference dr = new DocumentReference();
		dr.setMasterIdentifier(new Identifier().setSystem(URI).setValue("urn:uuid:" + UUID.randomUUID()));
		dr.setStatus(DocumentReferenceStatus.CURRENT);
		dr.setType(new CodeableConcept(new Coding(SNOMED, type, title)));
		dr.addCategory(new CodeableConcept(new Coding(SNOMED, "371531000", "Report of clinical encounter")));
		dr.setSubject(subject.copy());
		dr.setDate(new Date());
		dr.addAuthor().setIdentifier(new Identifier().setSystem("https://fhir.nhs.uk/Id/ods-organization-code").setValue("RR8"));
		dr.setDescription(title);
		Attachment att = dr.addContent().getAttachment();
		att.setContentType(contentType).setTitle(title).setSize(bytes.length).setHash(sha1(bytes)).setCreationElement(new org.hl7.fhir.r4.model.DateTimeType("2026-11-02"));
		dr.getContext().setPeriod(new Period().setStartElement(new org.hl7.fhir.r4.model.DateTimeType("2026-11-02")));
		return dr;
	}

	static String idPart(String location, String type) throws CheckFailed {
		check(location != null && location.startsWith(type + "/"), "a " + type + " location, not " + location);
		String rest = location.substring(type.length() + 1);
		int h = rest.indexOf("/_history");
		return h < 0 ? rest : rest.substring(0, h);
	}

	static byte[] sha1(byte[] b) throws Exception {
		return MessageDigest.getInstance("SHA-1").digest(b);
	}

	static byte[] sha256(byte[] b) throws Exception {
		return MessageDigest.getInstance("SHA-256").digest(b);
	}

	static String hex(byte[] b) {
		return HexFormat.of().formatHex(b);
	}

	/** The report as one line of JSON (strings, numbers, lists and maps of them). */
	static String json(Object o) {
		if (o instanceof String s) return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
		if (o instanceof Number n) return n.toString();
		if (o instanceof List<?> l) {
			List<String> parts = new ArrayList<>();
			for (Object x : l) parts.add(json(x));
			return "[" + String.join(",", parts) + "]";
		}
		if (o instanceof Map<?, ?> m) {
			List<String> parts = new ArrayList<>();
			for (Map.Entry<?, ?> e : m.entrySet()) parts.add(json(String.valueOf(e.getKey())) + ":" + json(e.getValue()));
			return "{" + String.join(",", parts) + "}";
		}
		return json(String.valueOf(o));
	}
}

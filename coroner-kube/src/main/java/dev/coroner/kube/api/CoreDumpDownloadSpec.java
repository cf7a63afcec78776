package dev.coroner.kube.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What a download request asks for.
 *
 * @param coreDump the CoreDump's name, in the request's namespace
 * @param requester who asks: the chart's admission policy requires the creating user's name
 * @param publicKey an age X25519 recipient ({@code age1...}): the controller then writes only the
 *     URL encrypted to it, so that others who may read requests in the namespace cannot use it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CoreDumpDownloadSpec(String coreDump, String requester, String publicKey) {}

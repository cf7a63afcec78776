package dev.coroner.kube.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

/**
 * What a download request asks for. Read back from the API server as whoever created the request
 * wrote it: the controller refuses a request that names no CoreDump.
 *
 * @param coreDump the CoreDump's name, in the request's namespace
 * @param requester who asks: the chart's admission policy requires the creating user's name
 * @param publicKey an age X25519 recipient ({@code age1...}): the controller then writes only the
 *     URL encrypted to it, so that others who may read requests in the namespace cannot use it;
 *     null for the plain URL
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CoreDumpDownloadSpec(
    @Nullable String coreDump, @Nullable String requester, @Nullable String publicKey) {}

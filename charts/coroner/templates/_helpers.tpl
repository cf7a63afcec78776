{{/* The chart name, or nameOverride. */}}
{{- define "coroner.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The full name of the objects: RELEASE-coroner, or RELEASE if it already says coroner. */}}
{{- define "coroner.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* chart-version, for the helm.sh/chart label. */}}
{{- define "coroner.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The labels that select the agent's pods; they never change across upgrades. */}}
{{- define "coroner.selectorLabels" -}}
app.kubernetes.io/name: {{ include "coroner.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: agent
{{- end }}

{{/* The labels every object carries. */}}
{{- define "coroner.labels" -}}
helm.sh/chart: {{ include "coroner.chart" . }}
{{ include "coroner.selectorLabels" . }}
app.kubernetes.io/version: {{ include "coroner.imageTag" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: coroner
{{- end }}

{{/* The ServiceAccount the agent runs as. */}}
{{- define "coroner.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "coroner.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false: the name of an existing ServiceAccount" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "coroner.imageTag" -}}
{{- default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{- define "coroner.image" -}}
{{- printf "%s:%s" .Values.image.repository (include "coroner.imageTag" .) }}
{{- end }}

{{/*
A size or count as the agent reads it. Values files give numbers as float64, which would
print as 1.073741824e+09; this prints integers in full and passes strings through.
*/}}
{{- define "coroner.text" -}}
{{- if or (kindIs "float64" .) (kindIs "int64" .) (kindIs "int" .) }}
{{- int64 . | toString }}
{{- else }}
{{- toString . }}
{{- end }}
{{- end }}

{{/* Whether the ServiceAccount is bound to an IAM role through IRSA. */}}
{{- define "coroner.irsa" -}}
{{- if or .Values.credentials.irsa.enabled .Values.credentials.irsa.roleArn }}true{{ end }}
{{- end }}

{{/*
Checks across values that the schema cannot express; each message says what to set.
Rendered (empty) by the DaemonSet.
*/}}
{{- define "coroner.validate" -}}
{{- $_ := required "store.url is required: the S3 location for dumps, e.g. --set store.url=s3://my-crash-bucket/prod" .Values.store.url }}
{{- $rt := .Values.node.runtime }}
{{- if not (hasPrefix (printf "%s/" (trimSuffix "/" $rt.socketDir)) $rt.socket) }}
{{- fail (printf "node.runtime.socket (%s) must be inside node.runtime.socketDir (%s), which is the directory mounted into the agent" $rt.socket $rt.socketDir) }}
{{- end }}
{{- if include "coroner.irsa" . }}
{{- if .Values.credentials.existingSecret }}
{{- fail "set either credentials.existingSecret or credentials.irsa, not both: keys from a Secret would take precedence over the IAM role" }}
{{- end }}
{{- $_ := required "credentials.irsa.roleArn is required with IRSA (the eks-irsa preset): --set credentials.irsa.roleArn=arn:aws:iam::ACCOUNT:role/NAME" .Values.credentials.irsa.roleArn }}
{{- $_ := required "store.region is required with IRSA (the eks-irsa preset): the bucket's region, e.g. --set store.region=eu-west-1" .Values.store.region }}
{{- end }}
{{- $surge := dig "rollingUpdate" "maxSurge" 0 .Values.updateStrategy }}
{{- if and .Values.agent.restoreOnStop (not (has (toString $surge) (list "0" "0%"))) }}
{{- fail "updateStrategy.rollingUpdate.maxSurge must be 0 with agent.restoreOnStop: the old pod's restore would undo the new pod's install on the same node" }}
{{- end }}
{{- if and .Values.metrics.serviceMonitor.enabled (not .Values.metrics.service.enabled) }}
{{- fail "metrics.serviceMonitor.enabled needs metrics.service.enabled: the ServiceMonitor scrapes through the Service" }}
{{- end }}
{{- end }}

{{/* A map as ns=value,ns2=value (sorted), the form CORONER_SCRUB_NAMESPACES takes. */}}
{{- define "coroner.pairs" -}}
{{- $p := list -}}
{{- range $k, $v := . -}}
{{- $p = append $p (printf "%s=%s" $k (toString $v)) -}}
{{- end -}}
{{- join "," $p -}}
{{- end -}}

{{/* Namespace to recipient lists as ns=age1...+age1...,ns2=none (CORONER_ENCRYPT_NAMESPACES). */}}
{{- define "coroner.recipientPairs" -}}
{{- $p := list -}}
{{- range $k, $v := . -}}
{{- $p = append $p (printf "%s=%s" $k (ternary "none" (join "+" $v) (empty $v))) -}}
{{- end -}}
{{- join "," $p -}}
{{- end -}}

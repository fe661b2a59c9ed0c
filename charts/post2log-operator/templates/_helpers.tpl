{{/* The release's full name: the release name, with the chart's name appended
unless it already holds it; at most 63 characters (a DNS label). */}}
{{- define "post2log-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "post2log-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "post2log-operator.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* What selects the operator's pods. */}}
{{- define "post2log-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Every object's labels. No Helm-only labels: manifests/ is rendered from this
chart and is applied with kubectl. */}}
{{- define "post2log-operator.labels" -}}
{{ include "post2log-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: post2log
{{- end -}}

{{/* What the operator may do where it reconciles Post2Logs, in a ClusterRole or in
a Role per watched namespace. Verbs as the code uses them: children are server-side
applied or merge-patched (patch; create for a new one), never PUT (no update); PVCs
and the Service are never deleted (a shard's volumes may hold unshipped lines, the
Service always exists). */}}
{{- define "post2log-operator.rules" -}}
- apiGroups: [post2log.io]
  resources: [post2logs]
  verbs: [get, list, watch]
- apiGroups: [post2log.io]
  resources: [post2logs/status]
  verbs: [patch]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [""]
  resources: [persistentvolumeclaims, services]
  verbs: [get, list, watch, create, patch]
- apiGroups: [networking.k8s.io]
  resources: [ingresses, networkpolicies]
  verbs: [get, list, watch, create, patch, delete]
# The Job that checks a new Fluentd configuration, and its pod's termination message.
- apiGroups: [batch]
  resources: [jobs]
  verbs: [get, list, watch, create, delete]
- apiGroups: [""]
  resources: [pods]
  verbs: [list]
- apiGroups: [monitoring.coreos.com]
  resources: [podmonitors]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create]
{{- end -}}

{{/* The --namespace value: the watched namespaces, the release's own as
$(POD_NAMESPACE) (resolved by the kubelet from the Downward API). */}}
{{- define "post2log-operator.namespaceArg" -}}
{{- $names := list -}}
{{- range .Values.watchNamespaces -}}
{{- $names = append $names (eq . $.Release.Namespace | ternary "$(POD_NAMESPACE)" .) -}}
{{- end -}}
{{- join "," $names -}}
{{- end -}}

{{- define "coach.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "coach.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "coach.labels" -}}
{{ include "coach.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "coach.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "coach.secretName" -}}
{{ .Values.secret.name | default (include "coach.fullname" .) }}
{{- end -}}

{{- define "coach.serviceAccountName" -}}
{{ .Values.serviceAccount.name | default (include "coach.fullname" .) }}
{{- end -}}

{{/* The plain settings: `config`, with the media settings derived from `media`; unset keys dropped. */}}
{{- define "coach.config" -}}
{{- $config := deepCopy .Values.config -}}
{{- if .Values.media.s3.url -}}
{{- $_ := set $config "COACH_MEDIA_URL" .Values.media.s3.url -}}
{{- $_ := set $config "COACH_S3_ENDPOINT_URL" .Values.media.s3.endpointUrl -}}
{{- $_ := set $config "COACH_S3_REGION" .Values.media.s3.region -}}
{{- $_ := set $config "COACH_S3_ADDRESSING_STYLE" .Values.media.s3.addressingStyle -}}
{{- else -}}
{{- $_ := set $config "COACH_MEDIA_DIR" .Values.media.persistence.mountPath -}}
{{- end -}}
{{- range $key, $value := $config }}
{{- if not (kindIs "invalid" $value) }}
{{- if ne (toString $value) "" }}
{{ $key }}: {{ toString $value | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Environment of every coach container: the ConfigMap, then each credential from the Secret. */}}
{{- define "coach.env" -}}
envFrom:
  - configMapRef:
      name: {{ include "coach.fullname" . }}
env:
{{- range $key, $spec := .Values.secret.keys }}
  - name: {{ $key }}
    valueFrom:
      secretKeyRef:
        name: {{ include "coach.secretName" $ }}
        key: {{ $key }}
        optional: {{ not $spec.required }}
{{- end }}
{{- end -}}

{{/* Writable places under a read-only root: per-pod scratch, /tmp, and the media volume if any. */}}
{{- define "coach.volumeMounts" -}}
volumeMounts:
  - {name: var, mountPath: {{ .Values.config.COACH_VAR_DIR | default "/var/lib/coach" }}}
  - {name: tmp, mountPath: /tmp}
{{- if not .Values.media.s3.url }}
  - {name: media, mountPath: {{ .Values.media.persistence.mountPath }}}
{{- end }}
{{- end -}}

{{- define "coach.volumes" -}}
volumes:
  - {name: var, emptyDir: {}}
  - {name: tmp, emptyDir: {}}
{{- if not .Values.media.s3.url }}
  - name: media
    persistentVolumeClaim:
      claimName: {{ .Values.media.persistence.existingClaim | default (printf "%s-media" (include "coach.fullname" .)) }}
{{- end }}
{{- end -}}

{{/* Pod-level settings shared by the web and worker pods and the migration Job. */}}
{{- define "coach.podSpec" -}}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

process HICLSTM_CLASSIFY {
    tag "$meta.id"
    label 'process_medium'
    container 'ghcr.io/hiclstm/hiclstm:0.1.0'

    input:
    tuple val(meta), val(labels), path(representations, stageAs: 'reps?/*')
    path(tasks)
    path(task_files)

    output:
    tuple val(meta), path("${prefix}.metrics.parquet"), emit: metrics
    tuple val(meta), path("${prefix}.*.png")          , emit: plots
    path "versions.yml"                               , emit: versions

    when:
    task.ext.when == null || task.ext.when

    script:
    def args = task.ext.args ?: ''
    prefix = task.ext.prefix ?: "${meta.id}"
    def reps = [labels, representations].transpose().collect { label, file -> "${label}=${file}" }.join(' ')
    """
    hiclstm-classify \\
        --representations ${reps} \\
        --tasks ${tasks} \\
        --plots \\
        -o ${prefix} \\
        --threads ${task.cpus} \\
        ${args}

    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        hiclstm: \$(hiclstm-classify --version | sed 's/^hiclstm-classify //')
    END_VERSIONS
    """

    stub:
    prefix = task.ext.prefix ?: "${meta.id}"
    """
    touch ${prefix}.metrics.parquet ${prefix}.pr_curves.png
    cat <<-END_VERSIONS > versions.yml
    "${task.process}":
        hiclstm: \$(hiclstm-classify --version | sed 's/^hiclstm-classify //')
    END_VERSIONS
    """
}
